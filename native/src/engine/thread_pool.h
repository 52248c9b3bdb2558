// A small persistent thread pool: parallel_for splits [0, n) into one
// contiguous chunk per thread and returns when all are done. Work is split the
// same way whatever the thread count, and integer results do not depend on it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace sarwatch {

class ThreadPool {
 public:
  explicit ThreadPool(int threads) { resize(threads); }
  ~ThreadPool() { stop(); }
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const { return static_cast<int>(workers_.size()) + 1; }

  void resize(int threads) {
    stop();
    if (threads < 1) threads = 1;
    quit_ = false;
    for (int i = 1; i < threads; ++i) workers_.emplace_back([this, i] { loop(i); });
  }

  // fn(begin, end) over contiguous chunks; the calling thread takes chunk 0.
  void parallel_for(int n, const std::function<void(int, int)>& fn) {
    const int t = threads();
    if (t == 1 || n < 2) {
      fn(0, n);
      return;
    }
    {
      std::lock_guard<std::mutex> lk(m_);
      fn_ = &fn;
      n_ = n;
      pending_.store(t - 1, std::memory_order_relaxed);
      generation_.fetch_add(1, std::memory_order_release);
    }
    cv_.notify_all();
    run_chunk(0, fn, n, t);
    // A model runs ~150 parallel_for calls per tile, each a few hundred
    // microseconds: waking a sleeping thread costs tens of microseconds (far
    // more on a virtual CPU), so both sides spin briefly before they block.
    if (!spin_until([this] { return pending_.load(std::memory_order_acquire) == 0; })) {
      std::unique_lock<std::mutex> lk(m_);
      done_.wait(lk, [this] { return pending_.load(std::memory_order_acquire) == 0; });
    }
    fn_ = nullptr;
  }

 private:
  static void run_chunk(int i, const std::function<void(int, int)>& fn, int n, int t) {
    const int b = static_cast<int>(static_cast<long long>(n) * i / t);
    const int e = static_cast<int>(static_cast<long long>(n) * (i + 1) / t);
    if (b < e) fn(b, e);
  }

  // Polls `ready` for up to kSpinMicros; true once it holds.
  template <typename F>
  static bool spin_until(F ready) {
    constexpr int kSpinMicros = 200;
    const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(kSpinMicros);
    for (int i = 0;; ++i) {
      if (ready()) return true;
      if ((i & 63) == 63 && std::chrono::steady_clock::now() >= until) return false;
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#elif defined(__aarch64__)
      asm volatile("yield");
#endif
    }
  }

  void loop(int index) {
    unsigned seen = 0;
    for (;;) {
      const std::function<void(int, int)>* fn;
      int n, t;
      spin_until([&] { return generation_.load(std::memory_order_acquire) != seen || quit_.load(std::memory_order_acquire); });
      {
        std::unique_lock<std::mutex> lk(m_);
        cv_.wait(lk, [&] { return quit_.load() || generation_.load() != seen; });
        if (quit_) return;
        seen = generation_.load();
        fn = fn_;
        n = n_;
        t = threads();
      }
      run_chunk(index, *fn, n, t);
      if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        // Taking the lock orders this with a caller between its check and its wait.
        { std::lock_guard<std::mutex> lk(m_); }
        done_.notify_one();
      }
    }
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lk(m_);
      quit_ = true;
    }
    cv_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
  }

  std::vector<std::thread> workers_;
  std::mutex m_;
  std::condition_variable cv_, done_;
  const std::function<void(int, int)>* fn_ = nullptr;
  int n_ = 0;
  std::atomic<int> pending_{0};
  std::atomic<unsigned> generation_{0};
  std::atomic<bool> quit_{false};
};

}  // namespace sarwatch

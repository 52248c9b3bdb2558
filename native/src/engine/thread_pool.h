// A small persistent thread pool: parallel_for splits [0, n) into one
// contiguous chunk per thread and returns when all are done. Work is split the
// same way whatever the thread count, and integer results do not depend on it.
#pragma once

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
      pending_ = t - 1;
      ++generation_;
    }
    cv_.notify_all();
    run_chunk(0, fn, n, t);
    std::unique_lock<std::mutex> lk(m_);
    done_.wait(lk, [this] { return pending_ == 0; });
    fn_ = nullptr;
  }

 private:
  static void run_chunk(int i, const std::function<void(int, int)>& fn, int n, int t) {
    const int b = static_cast<int>(static_cast<long long>(n) * i / t);
    const int e = static_cast<int>(static_cast<long long>(n) * (i + 1) / t);
    if (b < e) fn(b, e);
  }

  void loop(int index) {
    unsigned seen = 0;
    for (;;) {
      const std::function<void(int, int)>* fn;
      int n, t;
      {
        std::unique_lock<std::mutex> lk(m_);
        cv_.wait(lk, [&] { return quit_ || generation_ != seen; });
        if (quit_) return;
        seen = generation_;
        fn = fn_;
        n = n_;
        t = threads();
      }
      run_chunk(index, *fn, n, t);
      {
        std::lock_guard<std::mutex> lk(m_);
        if (--pending_ == 0) done_.notify_one();
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
  int n_ = 0, pending_ = 0;
  unsigned generation_ = 0;
  bool quit_ = false;
};

}  // namespace sarwatch

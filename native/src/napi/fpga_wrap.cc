#include "fpga_wrap.h"

#if defined(SARWATCH_HAVE_XRT)
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "../engine/decode.h"
#include "../xrt/fpga_device.h"
#include "pinned_tiles.h"
#include "sarwatch/kernel_abi.h"
#include "decode_options.h"
#endif

namespace sarwatch {

#if defined(SARWATCH_HAVE_XRT)
namespace {

Napi::Error coded(Napi::Env env, const char* code, const std::string& msg) {
  Napi::Error e = Napi::Error::New(env, msg);
  e.Set("code", Napi::String::New(env, code));
  return e;
}

struct Fpga {
  std::vector<uint8_t> blob;
  prog::View view;
  FpgaDevice device;
  size_t tile_bytes = 0;
  unsigned timeout_ms = 2000;
  std::mutex mutex;
  std::vector<unsigned> sizes;
};

class FpgaRunWorker : public Napi::AsyncWorker {
 public:
  FpgaRunWorker(Napi::Env env, std::shared_ptr<Fpga> f, Napi::Array tiles, DecodeOptions opt)
      : Napi::AsyncWorker(env), f_(std::move(f)), opt_(opt), deferred_(Napi::Promise::Deferred::New(env)), tiles_(tiles) {}
  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute() override {
    std::lock_guard<std::mutex> lk(f_->mutex);
    std::vector<std::vector<int8_t>> heads(tiles_.ptrs.size(), std::vector<int8_t>(f_->device.heads_bytes()));
    std::vector<int8_t*> dst;
    for (auto& h : heads) dst.push_back(h.data());
    const auto t0 = std::chrono::steady_clock::now();
    std::string err;
    if (!f_->device.run(tiles_.ptrs, dst, f_->timeout_ms, &err)) return SetError(err);
    infer_ms_ = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / double(tiles_.ptrs.size());
    for (auto& h : heads) {
      const int8_t* base[16];
      int stride[16];
      for (uint32_t o = 0; o < f_->view.num_outputs() && o < 16; ++o) {
        base[o] = h.data() + kernel_abi::heads_offset(f_->sizes.data(), int(o));
        stride[o] = int(f_->view.tensor(f_->view.output(o, prog::kOTensor), prog::kTChannels));
      }
      HeadLevel levels[8];
      const int n = head_levels(f_->view, base, stride, levels, 8);
      const auto t1 = std::chrono::steady_clock::now();
      std::vector<Detection> d;
      DecodeStats st;
      decode(levels, n, opt_, &d, &st);
      decode_ms_.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t1).count());
      dets_.push_back(std::move(d));
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::Array out = Napi::Array::New(env, dets_.size());
    for (size_t i = 0; i < dets_.size(); ++i) {
      Napi::Float32Array a = Napi::Float32Array::New(env, dets_[i].size() * 6);
      for (size_t k = 0; k < dets_[i].size(); ++k) {
        const Detection& q = dets_[i][k];
        float* p = a.Data() + 6 * k;
        p[0] = q.x1, p[1] = q.y1, p[2] = q.x2, p[3] = q.y2, p[4] = q.score, p[5] = float(q.cls);
      }
      Napi::Object o = Napi::Object::New(env);
      o.Set("detections", a);
      o.Set("inferMs", infer_ms_);
      o.Set("decodeMs", decode_ms_[i]);
      out.Set(uint32_t(i), o);
    }
    deferred_.Resolve(out);
  }

  void OnError(const Napi::Error& e) override { deferred_.Reject(coded(Env(), "E_BACKEND_FAILED", e.Message()).Value()); }

 private:
  std::shared_ptr<Fpga> f_;
  DecodeOptions opt_;
  Napi::Promise::Deferred deferred_;
  PinnedTiles tiles_;
  std::vector<std::vector<Detection>> dets_;
  std::vector<double> decode_ms_;
  double infer_ms_ = 0;
};

class FpgaWrap : public Napi::ObjectWrap<FpgaWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "FpgaEngine", {InstanceMethod<&FpgaWrap::Run>("run"), InstanceMethod<&FpgaWrap::Stats>("stats")});
  }

  // FpgaEngine(program: Buffer, xclbin: string, deviceIndex: number, timeoutMs: number)
  explicit FpgaWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<FpgaWrap>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 4 || !info[0].IsBuffer() || !info[1].IsString() || !info[2].IsNumber() || !info[3].IsNumber()) {
      Napi::TypeError::New(env, "FpgaEngine(program: Buffer, xclbin: string, deviceIndex: number, timeoutMs: number)").ThrowAsJavaScriptException();
      return;
    }
    f_ = std::make_shared<Fpga>();
    Napi::Buffer<uint8_t> b = info[0].As<Napi::Buffer<uint8_t>>();
    f_->blob.assign(b.Data(), b.Data() + b.Length());
    char err[256];
    if (prog::validate(f_->blob.data(), f_->blob.size(), &f_->view, err, sizeof err) != prog::kOk) {
      coded(env, "E_PROGRAM_INVALID", err).ThrowAsJavaScriptException();
      return;
    }
    const uint32_t in = f_->view.header(prog::kHInputTensor);
    f_->tile_bytes = size_t(f_->view.tensor(in, prog::kTChannels)) * f_->view.tensor(in, prog::kTHeight) * f_->view.tensor(in, prog::kTWidth);
    for (uint32_t o = 0; o < f_->view.num_outputs(); ++o) {
      const uint32_t t = f_->view.output(o, prog::kOTensor);
      f_->sizes.push_back(f_->view.tensor(t, prog::kTHeight) * f_->view.tensor(t, prog::kTWidth) * f_->view.tensor(t, prog::kTChannels));
    }
    f_->timeout_ms = info[3].As<Napi::Number>().Uint32Value();
    std::string e;
    if (!f_->device.open(info[2].As<Napi::Number>().Uint32Value(), info[1].As<Napi::String>(), &e) || !f_->device.load(f_->view, f_->tile_bytes, &e)) {
      coded(env, "E_BACKEND_UNAVAILABLE", e).ThrowAsJavaScriptException();
    }
  }

 private:
  Napi::Value Run(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Array tiles = info[0].As<Napi::Array>();
    for (uint32_t i = 0; i < tiles.Length(); ++i) {
      if (!tiles.Get(i).IsBuffer() || tiles.Get(i).As<Napi::Buffer<uint8_t>>().Length() != f_->tile_bytes) {
        Napi::RangeError::New(env, "each tile must be a Buffer of " + std::to_string(f_->tile_bytes) + " bytes").ThrowAsJavaScriptException();
        return env.Undefined();
      }
    }
    const DecodeOptions opt = decode_options(info, 1);
    auto* w = new FpgaRunWorker(env, f_, tiles, opt);
    Napi::Promise p = w->promise();
    w->Queue();
    return p;
  }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("runs", double(f_->device.stats().runs));
    o.Set("timeouts", double(f_->device.stats().timeouts));
    o.Set("retries", double(f_->device.stats().retries));
    return o;
  }

  std::shared_ptr<Fpga> f_;
};

}  // namespace
#endif

Napi::Object InitFpga(Napi::Env env, Napi::Object exports) {
#if defined(SARWATCH_HAVE_XRT)
  exports.Set("FpgaEngine", FpgaWrap::Define(env));
#else
  exports.Set("fpgaUnavailable", Napi::String::New(env, "this build of sarwatch has no XRT: install libxrt-dev (Debian/Ubuntu apt, or Xilinx XRT 2.13+) and run `npm rebuild`"));
#endif
  return exports;
}

}  // namespace sarwatch

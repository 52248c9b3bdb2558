// Engine over N-API. Arguments were checked at the TypeScript edge
// (src/backends/cpu); this side re-checks only what would otherwise crash.
// Work runs in AsyncWorkers: Execute() touches no JS values, input Buffers
// stay referenced for the job's life, and output Buffers are handed to JS
// without copies.
#include "engine_wrap.h"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "../engine/executor.h"
#include "pinned_tiles.h"
#include "../engine/int8_peak.h"
#include "decode_options.h"

namespace sarwatch {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

Napi::Error coded_error(Napi::Env env, const std::string& code, const std::string& msg) {
  Napi::Error e = Napi::Error::New(env, msg);
  e.Set("code", Napi::String::New(env, code));
  return e;
}

Simd parse_simd(const std::string& s) {
  if (s == "scalar") return Simd::kScalar;
  if (s == "avx2") return Simd::kAvx2;
  if (s == "avx512vnni") return Simd::kAvx512Vnni;
  if (s == "neon") return Simd::kNeon;
  return best_simd();
}

struct TileResult {
  std::vector<Detection> dets;
  double infer_ms = 0, decode_ms = 0;
  long anchors = 0, passed = 0;
};

class RunWorker : public Napi::AsyncWorker {
 public:
  RunWorker(Napi::Env env, std::shared_ptr<Executor> exec, Napi::Array tiles, DecodeOptions opt)
      : Napi::AsyncWorker(env), exec_(std::move(exec)), opt_(opt), deferred_(Napi::Promise::Deferred::New(env)), tiles_(tiles) {}
  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      std::lock_guard<std::mutex> lk(exec_->mutex());
      for (const uint8_t* p : tiles_.ptrs) {
        TileResult r;
        auto t0 = Clock::now();
        exec_->run(p);
        r.infer_ms = ms_since(t0);
        auto t1 = Clock::now();
        DecodeStats st;
        exec_->decode(opt_, &r.dets, &st);
        r.decode_ms = ms_since(t1);
        r.anchors = st.anchors;
        r.passed = st.passed;
        results_.push_back(std::move(r));
      }
    } catch (const std::exception& e) {
      SetError(std::string("engine failed: ") + e.what());
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::Array out = Napi::Array::New(env, results_.size());
    for (size_t i = 0; i < results_.size(); ++i) {
      const TileResult& r = results_[i];
      Napi::Float32Array d = Napi::Float32Array::New(env, r.dets.size() * 6);
      for (size_t k = 0; k < r.dets.size(); ++k) {
        const Detection& q = r.dets[k];
        float* p = d.Data() + 6 * k;
        p[0] = q.x1, p[1] = q.y1, p[2] = q.x2, p[3] = q.y2, p[4] = q.score, p[5] = static_cast<float>(q.cls);
      }
      Napi::Object o = Napi::Object::New(env);
      o.Set("detections", d);
      o.Set("inferMs", r.infer_ms);
      o.Set("decodeMs", r.decode_ms);
      o.Set("anchors", static_cast<double>(r.anchors));
      o.Set("passed", static_cast<double>(r.passed));
      out.Set(static_cast<uint32_t>(i), o);
    }
    deferred_.Resolve(out);
  }

  void OnError(const Napi::Error& e) override { deferred_.Reject(coded_error(Env(), "E_BACKEND_FAILED", e.Message()).Value()); }

 private:
  std::shared_ptr<Executor> exec_;
  DecodeOptions opt_;
  Napi::Promise::Deferred deferred_;
  PinnedTiles tiles_;
  std::vector<TileResult> results_;
};

class RawWorker : public Napi::AsyncWorker {
 public:
  // tensors empty: the program's outputs; otherwise those tensor ids.
  RawWorker(Napi::Env env, std::shared_ptr<Executor> exec, Napi::Buffer<uint8_t> tile, std::vector<uint32_t> tensors)
      : Napi::AsyncWorker(env), exec_(std::move(exec)), ref_(Napi::Persistent(tile.As<Napi::Object>())), ptr_(tile.Data()), tensors_(std::move(tensors)),
        deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      std::lock_guard<std::mutex> lk(exec_->mutex());
      if (tensors_.empty()) {
        exec_->run(ptr_);
        for (int o = 0; o < exec_->num_outputs(); ++o) {
          const OutputInfo i = exec_->output_info(o);
          const size_t n = static_cast<size_t>(i.h) * i.w * i.c;
          int8_t* buf = new int8_t[n];
          exec_->copy_output(o, buf);
          outs_.push_back({buf, n});
        }
      }
      std::vector<int8_t*> dst;
      for (uint32_t t : tensors_) {
        const size_t n = exec_->tensor_bytes(t);
        dst.push_back(new int8_t[n]);
        outs_.push_back({dst.back(), n});
      }
      if (!tensors_.empty()) exec_->run_capture(ptr_, tensors_, dst);
    } catch (const std::exception& e) {
      SetError(std::string("engine failed: ") + e.what());
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::Array arr = Napi::Array::New(env, outs_.size());
    for (size_t i = 0; i < outs_.size(); ++i) {
      // Ownership moves to the JS Buffer; its finalizer frees the bytes.
      arr.Set(static_cast<uint32_t>(i), Napi::Buffer<int8_t>::New(env, outs_[i].first, outs_[i].second, [](Napi::Env, int8_t* p) { delete[] p; }));
    }
    outs_.clear();
    deferred_.Resolve(arr);
  }

  void OnError(const Napi::Error& e) override {
    for (auto& o : outs_) delete[] o.first;
    deferred_.Reject(coded_error(Env(), "E_BACKEND_FAILED", e.Message()).Value());
  }

 private:
  std::shared_ptr<Executor> exec_;
  Napi::ObjectReference ref_;
  const uint8_t* ptr_;
  std::vector<uint32_t> tensors_;
  Napi::Promise::Deferred deferred_;
  std::vector<std::pair<int8_t*, size_t>> outs_;
};

class EngineWrap : public Napi::ObjectWrap<EngineWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Engine",
                       {InstanceMethod<&EngineWrap::Info>("info"), InstanceMethod<&EngineWrap::Run>("run"), InstanceMethod<&EngineWrap::RunRaw>("runRaw"),
                        InstanceMethod<&EngineWrap::SetThreads>("setThreads"), InstanceMethod<&EngineWrap::LayerMs>("layerMs")});
  }

  explicit EngineWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<EngineWrap>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 3 || !info[0].IsBuffer() || !info[1].IsNumber() || !info[2].IsString()) {
      Napi::TypeError::New(env, "Engine(program: Buffer, threads: number, simd: string)").ThrowAsJavaScriptException();
      return;
    }
    Napi::Buffer<uint8_t> b = info[0].As<Napi::Buffer<uint8_t>>();
    exec_ = std::make_shared<Executor>();
    std::string err;
    const prog::Fault f = exec_->load(b.Data(), b.Length(), parse_simd(info[2].As<Napi::String>()), info[1].As<Napi::Number>().Int32Value(), &err);
    if (f != prog::kOk) {
      const char* code = f == prog::kCorrupt ? "E_PROGRAM_CRC" : f == prog::kWrongVersion ? "E_PROGRAM_VERSION" : "E_PROGRAM_INVALID";
      coded_error(env, code, err).ThrowAsJavaScriptException();
    }
  }

 private:
  Napi::Value Info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    o.Set("simd", simd_name(exec_->simd()));
    o.Set("threads", exec_->threads());
    o.Set("layers", exec_->num_layers());
    o.Set("arenaBytes", static_cast<double>(exec_->arena_bytes()));
    o.Set("macs", exec_->macs());
    Napi::Array shape = Napi::Array::New(env, 3);
    shape.Set(0u, exec_->input_channels());
    shape.Set(1u, exec_->input_height());
    shape.Set(2u, exec_->input_width());
    o.Set("inputShape", shape);
    Napi::Array outs = Napi::Array::New(env, exec_->num_outputs());
    for (int i = 0; i < exec_->num_outputs(); ++i) {
      const OutputInfo q = exec_->output_info(i);
      Napi::Object x = Napi::Object::New(env);
      x.Set("kind", q.kind == prog::kBoxDfl ? "box" : "cls");
      x.Set("level", q.level);
      x.Set("stride", q.stride);
      x.Set("h", q.h);
      x.Set("w", q.w);
      x.Set("c", q.c);
      x.Set("scale", q.scale);
      x.Set("zp", q.zp);
      outs.Set(static_cast<uint32_t>(i), x);
    }
    o.Set("outputs", outs);
    o.Set("metadata", exec_->metadata());
    return o;
  }

  bool tile_ok(Napi::Env env, const Napi::Value& v) {
    if (!v.IsBuffer() || v.As<Napi::Buffer<uint8_t>>().Length() != exec_->tile_bytes()) {
      Napi::RangeError::New(env, "each tile must be a Buffer of " + std::to_string(exec_->tile_bytes()) + " bytes (planar u8 C x H x W)").ThrowAsJavaScriptException();
      return false;
    }
    return true;
  }

  Napi::Value Run(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 4 || !info[0].IsArray()) {
      Napi::TypeError::New(env, "run(tiles: Buffer[], conf, iou, maxDet[, vesselCls, fishingCls, fishingShare])").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    Napi::Array tiles = info[0].As<Napi::Array>();
    for (uint32_t i = 0; i < tiles.Length(); ++i) {
      if (!tile_ok(env, tiles.Get(i))) return env.Undefined();
    }
    const DecodeOptions opt = decode_options(info, 1);
    auto* w = new RunWorker(env, exec_, tiles, opt);
    Napi::Promise p = w->promise();
    w->Queue();
    return p;
  }

  Napi::Value RunRaw(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !tile_ok(env, info[0])) return env.Undefined();
    std::vector<uint32_t> tensors;
    if (info.Length() > 1 && info[1].IsArray()) {
      Napi::Array a = info[1].As<Napi::Array>();
      for (uint32_t i = 0; i < a.Length(); ++i) {
        const uint32_t t = a.Get(i).As<Napi::Number>().Uint32Value();
        if (t >= exec_->num_tensors()) {
          Napi::RangeError::New(env, "tensor id out of range").ThrowAsJavaScriptException();
          return env.Undefined();
        }
        tensors.push_back(t);
      }
    }
    auto* w = new RawWorker(env, exec_, info[0].As<Napi::Buffer<uint8_t>>(), std::move(tensors));
    Napi::Promise p = w->promise();
    w->Queue();
    return p;
  }

  Napi::Value LayerMs(const Napi::CallbackInfo& info) {
    std::lock_guard<std::mutex> lk(exec_->mutex());
    const std::vector<double>& ms = exec_->layer_ms();
    Napi::Float64Array a = Napi::Float64Array::New(info.Env(), ms.size());
    for (size_t i = 0; i < ms.size(); ++i) a[i] = ms[i];
    return a;
  }

  Napi::Value SetThreads(const Napi::CallbackInfo& info) {
    const int n = info[0].As<Napi::Number>().Int32Value();
    std::lock_guard<std::mutex> lk(exec_->mutex());
    exec_->set_threads(n < 1 ? 1 : n);
    return info.Env().Undefined();
  }

  std::shared_ptr<Executor> exec_;
};

Napi::Value SimdPaths(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array a = Napi::Array::New(env);
  uint32_t n = 0;
  for (Simd s : {Simd::kScalar, Simd::kAvx2, Simd::kAvx512Vnni, Simd::kNeon}) {
    if (simd_supported(s)) a.Set(n++, simd_name(s));
  }
  return a;
}

Napi::Value BestSimd(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), simd_name(best_simd())); }

// int8PeakGmacs(simd, threads, seconds): blocks for `seconds` (a benchmark, not a pipeline call).
Napi::Value Int8PeakGmacs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsString() || !info[1].IsNumber() || !info[2].IsNumber()) {
    Napi::TypeError::New(env, "int8PeakGmacs(simd, threads, seconds)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const double seconds = info[2].As<Napi::Number>().DoubleValue();
  const double s = seconds > 0.01 && seconds < 10 ? seconds : 0.2;
  return Napi::Number::New(env, int8_peak_gmacs(parse_simd(info[0].As<Napi::String>()), info[1].As<Napi::Number>().Int32Value(), s));
}

}  // namespace

Napi::Object InitEngine(Napi::Env env, Napi::Object exports) {
  exports.Set("Engine", EngineWrap::Define(env));
  exports.Set("simdPaths", Napi::Function::New(env, SimdPaths, "simdPaths"));
  exports.Set("bestSimd", Napi::Function::New(env, BestSimd, "bestSimd"));
  exports.Set("int8PeakGmacs", Napi::Function::New(env, Int8PeakGmacs, "int8PeakGmacs"));
  return exports;
}

}  // namespace sarwatch

// Tiles handed to an AsyncWorker: each Buffer is kept alive by a persistent
// reference for as long as the job runs, and read in place (no copy).
#pragma once

#include <napi.h>
#include <stdint.h>

#include <vector>

namespace sarwatch {

struct PinnedTiles {
  std::vector<Napi::ObjectReference> refs;
  std::vector<const uint8_t*> ptrs;

  explicit PinnedTiles(Napi::Array tiles) {
    for (uint32_t i = 0; i < tiles.Length(); ++i) {
      Napi::Buffer<uint8_t> b = tiles.Get(i).As<Napi::Buffer<uint8_t>>();
      refs.push_back(Napi::Persistent(b.As<Napi::Object>()));
      ptrs.push_back(b.Data());
    }
  }
};

}  // namespace sarwatch

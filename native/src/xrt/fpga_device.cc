#include "fpga_device.h"

#include <string.h>

#include <chrono>

#include <xrt/xrt_bo.h>
#include <xrt/xrt_device.h>
#include <xrt/xrt_kernel.h>

#include "sarwatch/kernel_abi.h"

namespace sarwatch {

struct FpgaDevice::Impl {
  xrt::device device;
  xrt::uuid uuid;
  xrt::kernel kernel;
  xrt::bo program, fmap, tile[2], heads[2];
};

FpgaDevice::FpgaDevice() = default;
FpgaDevice::~FpgaDevice() = default;

bool FpgaDevice::open(unsigned device_index, const std::string& xclbin_path, std::string* err) {
  try {
    auto impl = std::make_unique<Impl>();
    impl->device = xrt::device(device_index);
    impl->uuid = impl->device.load_xclbin(xclbin_path);
    impl->kernel = xrt::kernel(impl->device, impl->uuid, kernel_abi::kKernelName);
    impl_ = std::move(impl);
    return true;
  } catch (const std::exception& e) {
    *err = std::string("XRT: ") + e.what();
    return false;
  }
}

bool FpgaDevice::load(const prog::View& v, size_t tile_bytes, std::string* err) {
  try {
    Impl& d = *impl_;
    using kernel_abi::Arg;
    d.program = xrt::bo(d.device, v.size, d.kernel.group_id(kernel_abi::kArgProgram));
    d.program.write(v.base);
    d.program.sync(XCL_BO_SYNC_BO_TO_DEVICE);
    d.fmap = xrt::bo(d.device, v.header(prog::kHArenaBytes) + 64, d.kernel.group_id(kernel_abi::kArgFmap));
    std::vector<unsigned> sizes;
    for (uint32_t o = 0; o < v.num_outputs(); ++o) {
      const uint32_t t = v.output(o, prog::kOTensor);
      sizes.push_back(v.tensor(t, prog::kTHeight) * v.tensor(t, prog::kTWidth) * v.tensor(t, prog::kTChannels));
    }
    heads_bytes_ = kernel_abi::heads_offset(sizes.data(), int(sizes.size()));
    tile_bytes_ = tile_bytes;
    for (int i = 0; i < 2; ++i) {
      d.tile[i] = xrt::bo(d.device, tile_bytes, d.kernel.group_id(kernel_abi::kArgTile));
      d.heads[i] = xrt::bo(d.device, heads_bytes_, d.kernel.group_id(kernel_abi::kArgHeads));
    }
    return true;
  } catch (const std::exception& e) {
    *err = std::string("XRT: ") + e.what();
    return false;
  }
}

bool FpgaDevice::run(const std::vector<const uint8_t*>& tiles, const std::vector<int8_t*>& heads_out, unsigned timeout_ms, std::string* err) {
  Impl& d = *impl_;
  auto stage = [&](size_t i) {
    d.tile[i & 1].write(tiles[i]);
    d.tile[i & 1].sync(XCL_BO_SYNC_BO_TO_DEVICE);
  };
  auto start = [&](size_t i) { return d.kernel(d.program, d.program, d.tile[i & 1], d.fmap, d.heads[i & 1]); };
  try {
    if (tiles.empty()) return true;
    stage(0);
    xrt::run run = start(0);
    for (size_t i = 0; i < tiles.size(); ++i) {
      if (i + 1 < tiles.size()) stage(i + 1);  // overlaps the running kernel
      ert_cmd_state st = run.wait(std::chrono::milliseconds(timeout_ms));
      for (int attempt = 0; st == ERT_CMD_STATE_TIMEOUT && attempt < 1; ++attempt) {
        ++stats_.timeouts;
        run.abort();
        ++stats_.retries;
        run = start(i);
        st = run.wait(std::chrono::milliseconds(timeout_ms));
      }
      if (st != ERT_CMD_STATE_COMPLETED) {
        if (st == ERT_CMD_STATE_TIMEOUT) {
          ++stats_.timeouts;
          run.abort();
        }
        *err = "kernel run " + std::to_string(i) + (st == ERT_CMD_STATE_TIMEOUT ? " timed out twice" : " failed (state " + std::to_string(int(st)) + ")");
        return false;
      }
      ++stats_.runs;
      d.heads[i & 1].sync(XCL_BO_SYNC_BO_FROM_DEVICE);
      d.heads[i & 1].read(heads_out[i]);
      if (i + 1 < tiles.size()) run = start(i + 1);
    }
    return true;
  } catch (const std::exception& e) {
    *err = std::string("XRT: ") + e.what();
    return false;
  }
}

}  // namespace sarwatch

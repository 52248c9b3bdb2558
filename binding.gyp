{
  "variables": {
    "sarwatch_x86": "<!(node -p \"process.arch === 'x64' ? 1 : 0\")",
    "sarwatch_xrt": "<!(node -p \"require('fs').existsSync('/usr/include/xrt/xrt/xrt_device.h') || require('fs').existsSync('/opt/xilinx/xrt/include/xrt/xrt_device.h') ? 1 : 0\")",
    "sarwatch_xrt_root": "<!(node -p \"require('fs').existsSync('/opt/xilinx/xrt/include/xrt/xrt_device.h') ? '/opt/xilinx/xrt' : '/usr'\")"
  },
  "target_defaults": {
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "native/include"],
    "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
    "cflags!": ["-fno-exceptions"],
    "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
    "cflags_cc": ["-std=c++17", "-O3", "-ffp-contract=off", "-fvisibility=hidden", "-Wall", "-Wextra"],
    "xcode_settings": {"GCC_SYMBOLS_PRIVATE_EXTERN": "YES", "CLANG_CXX_LANGUAGE_STANDARD": "c++17", "GCC_ENABLE_CPP_EXCEPTIONS": "YES"}
  },
  "targets": [
    {
      "target_name": "sarwatch",
      "sources": [
        "native/addon.cc",
        "native/src/napi/engine_wrap.cc",
        "native/src/napi/fpga_wrap.cc",
        "native/src/napi/tiling_wrap.cc",
        "native/src/tiling/normalise.cc",
        "native/src/program.cc",
        "native/src/engine/executor.cc",
        "native/src/engine/ops.cc",
        "native/src/engine/decode.cc",
        "native/src/engine/conv_scalar.cc",
        "native/src/engine/cpu_features.cc",
        "native/src/engine/int8_peak.cc"
      ],
      "conditions": [
        ["sarwatch_x86==1", {
          "defines": ["SARWATCH_HAVE_X86_KERNELS"],
          "dependencies": ["sarwatch_avx2", "sarwatch_avx512"]
        }],
        ["target_arch=='arm64'", {"sources": ["native/src/engine/conv_neon.cc", "native/src/engine/int8_peak_neon.cc"]}],
        ["sarwatch_xrt==1", {
          "defines": ["SARWATCH_HAVE_XRT"],
          "sources": ["native/src/xrt/fpga_device.cc"],
          "include_dirs": ["<(sarwatch_xrt_root)/include/xrt", "<(sarwatch_xrt_root)/include"],
          "libraries": ["-L<(sarwatch_xrt_root)/lib", "-L<(sarwatch_xrt_root)/lib/x86_64-linux-gnu", "-lxrt_coreutil"]
        }]
      ]
    }
  ],
  "conditions": [
    ["sarwatch_x86==1", {
      "targets": [
        {
          "target_name": "sarwatch_avx2",
          "type": "static_library",
          "sources": ["native/src/engine/conv_avx2.cc", "native/src/engine/int8_peak_avx2.cc"],
          "defines": ["SARWATCH_HAVE_X86_KERNELS"],
          "cflags_cc": ["-mavx2", "-mfma", "-fPIC"]
        },
        {
          "target_name": "sarwatch_avx512",
          "type": "static_library",
          "sources": ["native/src/engine/conv_avx512.cc", "native/src/engine/int8_peak_avx512.cc"],
          "defines": ["SARWATCH_HAVE_X86_KERNELS"],
          "cflags_cc": ["-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512vnni", "-mavx512vbmi", "-fPIC", "-Wno-maybe-uninitialized"]
        }
      ]
    }]
  ]
}

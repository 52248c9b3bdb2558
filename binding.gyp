{
  "targets": [
    {
      "target_name": "sarwatch",
      "sources": ["native/addon.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "native/include"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-O3", "-fvisibility=hidden", "-Wall", "-Wextra"],
      "xcode_settings": {"GCC_SYMBOLS_PRIVATE_EXTERN": "YES", "CLANG_CXX_LANGUAGE_STANDARD": "c++17"}
    }
  ]
}

# Build of the tsgreenlet hard-switch addon (one unity translation unit, src/hardswitch.cpp).
# C++20 because Node 24+ headers require it. Linux is the tested platform (futex baton); macOS
# compiles the condvar baton (untested); Windows is not supported (no pthreads).
{
  "targets": [
    {
      "target_name": "hardswitch",
      "sources": ["src/hardswitch.cpp"],
      "cflags_cc!": ["-std=gnu++17", "-std=gnu++14", "-std=c++17"],
      "cflags_cc": ["-std=gnu++20", "-O2", "-fvisibility=hidden", "-Wall", "-Wextra",
                    "-Wno-unused-parameter", "-Wno-cast-function-type"],
      "defines": ["_GNU_SOURCE"],
      "ldflags": ["-pthread"],
      "xcode_settings": {
        "CLANG_CXX_LANGUAGE_STANDARD": "c++20",
        "MACOSX_DEPLOYMENT_TARGET": "11.0"
      }
    }
  ]
}

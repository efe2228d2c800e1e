# Cross-compiling tetherbox for 64-bit Raspberry Pi (Pi 4/5, Debian 12 arm64 / Raspberry Pi OS
# Bookworm) on a Debian 12 amd64 host, with the arm64 libraries installed through Debian
# multiarch (`dpkg --add-architecture arm64`; `apt-get install libfoo-dev:arm64`), which puts them
# beside the host's in /usr/lib/aarch64-linux-gnu rather than in a separate sysroot.
# scripts/cross-build sets such a host up and uses this file:
#   cmake -S . -B build-aarch64 -G Ninja -DCMAKE_TOOLCHAIN_FILE=board/aarch64-toolchain.cmake
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(TB_CROSS_TRIPLE aarch64-linux-gnu)
set(CMAKE_C_COMPILER ${TB_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${TB_CROSS_TRIPLE}-g++)
# The multiarch triple makes find_library/find_package look in lib/aarch64-linux-gnu and
# lib/aarch64-linux-gnu/cmake, never in the host's lib/x86_64-linux-gnu.
set(CMAKE_LIBRARY_ARCHITECTURE ${TB_CROSS_TRIPLE})

# Target files: the cross libc (crossbuild-essential-arm64 installs it under /usr/<triple>) and
# the multiarch /usr itself. "/" must be a root too, or nothing in /usr/lib/<triple> is found.
set(CMAKE_FIND_ROOT_PATH /usr/${TB_CROSS_TRIPLE} /)
# Programs (pkg-config, python3, exiftool) run on the build host; libraries, headers and CMake
# package configs come only from the roots above (in practice: the arm64 multiarch paths).
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# CMake-config packages of arm64 libraries (fmt, spdlog, yaml-cpp, exiv2, GTest, benchmark);
# arch-independent ones (nlohmann_json) live in /usr/share/cmake and are found as usual.
list(APPEND CMAKE_PREFIX_PATH /usr/lib/${TB_CROSS_TRIPLE}/cmake)

# pkg-config must read the arm64 .pc files only: LIBDIR replaces the default search path (which
# is the host's), PKG_CONFIG_PATH from the caller's environment would add host paths back.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/${TB_CROSS_TRIPLE}/pkgconfig:/usr/share/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")
unset(ENV{PKG_CONFIG_SYSROOT_DIR})

# gtest_discover_tests normally runs each test binary right after linking it, to list its tests;
# an arm64 binary cannot run on the amd64 host, so list them when ctest runs (on the Pi, or here
# through qemu-user when it is installed: CMake then runs tests and discovery under it).
set(CMAKE_GTEST_DISCOVER_TESTS_DISCOVERY_MODE PRE_TEST)
if(NOT CMAKE_CROSSCOMPILING_EMULATOR)
  find_program(TB_QEMU_AARCH64 NAMES qemu-aarch64-static qemu-aarch64)
  if(TB_QEMU_AARCH64)
    # qemu-user finds the arm64 loader and libraries at their multiarch paths (/lib, /usr/lib/<triple>).
    set(CMAKE_CROSSCOMPILING_EMULATOR ${TB_QEMU_AARCH64})
  endif()
endif()

# Precompiled headers (TETHERBOX_PCH): the third-party headers that most translation units parse
# (fmt 38 files, spdlog 31, nlohmann/json 8, GoogleTest 68, gmock 11) are compiled once into two
# PCHs, one for the libraries and the program, one (with gtest/gmock) for the test executables,
# and every C++ target of the tree reuses one of them. yaml-cpp, exiv2 and CLI11 are included by
# one or two files each: precompiling them would cost as much as it saves.
#
# GCC only uses a PCH built with the same options, and says so (-Winvalid-pch, an error under
# TETHERBOX_WERROR): files with their own compile options (hal/sim's -O2 files) skip the PCH.

set(tb_pch_common
  <algorithm> <chrono> <cstdint> <filesystem> <functional> <map> <memory> <mutex> <optional>
  <set> <string> <string_view> <thread> <vector>
  <fmt/format.h> <spdlog/spdlog.h> <nlohmann/json.hpp>)

file(WRITE ${CMAKE_BINARY_DIR}/tb_pch_host.cpp "")
add_library(tb_pch_lib STATIC ${CMAKE_BINARY_DIR}/tb_pch_host.cpp)
target_link_libraries(tb_pch_lib PRIVATE fmt::fmt spdlog::spdlog nlohmann_json::nlohmann_json)
target_precompile_headers(tb_pch_lib PRIVATE ${tb_pch_common})

if(TETHERBOX_TESTS)
  find_package(GTest REQUIRED)  # tests/ found it in its own scope
  add_library(tb_pch_test STATIC ${CMAKE_BINARY_DIR}/tb_pch_host.cpp)
  target_link_libraries(tb_pch_test PRIVATE fmt::fmt spdlog::spdlog nlohmann_json::nlohmann_json
    GTest::gtest GTest::gmock)
  target_precompile_headers(tb_pch_test PRIVATE ${tb_pch_common} <gtest/gtest.h> <gmock/gmock.h>)
endif()

# ccache hashes the PCH itself only when the preprocessor output names it (GCC).
set(tb_pch_ccache_flag "")
if(TB_CCACHE AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  set(tb_pch_ccache_flag $<$<COMPILE_LANGUAGE:CXX>:-fpch-preprocess>)
  foreach(host tb_pch_lib tb_pch_test)
    if(TARGET ${host})
      target_compile_options(${host} PRIVATE ${tb_pch_ccache_flag})
    endif()
  endforeach()
endif()

function(tb_collect_targets dir out)
  get_property(ts DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(sub IN LISTS subs)
    tb_collect_targets(${sub} sub_ts)
    list(APPEND ts ${sub_ts})
  endforeach()
  set(${out} ${ts} PARENT_SCOPE)
endfunction()

tb_collect_targets(${PROJECT_SOURCE_DIR} tb_all_targets)
foreach(t IN LISTS tb_all_targets)
  if(t MATCHES "^tb_pch_")
    continue()
  endif()
  get_target_property(type ${t} TYPE)
  if(NOT type MATCHES "^(STATIC_LIBRARY|EXECUTABLE)$")
    continue()
  endif()
  get_target_property(srcs ${t} SOURCES)
  list(FILTER srcs INCLUDE REGEX "\\.(cpp|cc)$")
  if(NOT srcs)
    continue()
  endif()
  get_target_property(libs ${t} LINK_LIBRARIES)
  if(TARGET tb_pch_test AND "${libs}" MATCHES "GTest::")
    target_precompile_headers(${t} REUSE_FROM tb_pch_test)
  else()
    target_precompile_headers(${t} REUSE_FROM tb_pch_lib)
  endif()
  target_compile_options(${t} PRIVATE ${tb_pch_ccache_flag})
  foreach(src IN LISTS srcs)
    get_source_file_property(own ${src} TARGET_DIRECTORY ${t} COMPILE_OPTIONS)
    if(own)
      set_source_files_properties(${src} TARGET_DIRECTORY ${t} PROPERTIES
        SKIP_PRECOMPILE_HEADERS ON)
    endif()
  endforeach()
endforeach()

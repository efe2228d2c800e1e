# Fuzzing tetherboxd's control-protocol parser (issue 10), the same way as the config: a
# libFuzzer target under clang, the corpus replayed by tests/unit/control under any compiler.
if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  add_executable(fuzz_control fuzz_control.cpp fuzz_control_property.cpp)
  target_link_libraries(fuzz_control PRIVATE tetherbox_control)
  target_link_options(fuzz_control PRIVATE -fsanitize=fuzzer)
elseif(TB_CLANGXX)
  # The same clang tree as fuzz_config (run.sh); the lock keeps two ninjas out of it.
  add_test(NAME fuzz_control COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/run.sh control
    ${CMAKE_BINARY_DIR}/fuzz-clang)
  set_tests_properties(fuzz_control PROPERTIES LABELS fuzz TIMEOUT 1800 COST 1000
    RESOURCE_LOCK fuzz_clang_tree ENVIRONMENT "TB_FUZZ_SECONDS=60")
endif()

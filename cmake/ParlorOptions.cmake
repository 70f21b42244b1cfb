# Build options and the parlor::options interface target every target links PRIVATE.
option(PARLOR_BUILD_TESTS "Build the test suite" ON)
option(PARLOR_WERROR "Treat warnings as errors" OFF)
option(PARLOR_BUILD_WEB "Bundle the browser client with npm/esbuild" ON)
option(PARLOR_FUZZ
  "Build only the libFuzzer targets under fuzz/ (clang only; use its own build dir)" OFF)
option(PARLOR_GATEWAY_UNITY
  "Compile the gateway's Beast I/O sources as one translation unit (OFF: one each)" ON)

if(PARLOR_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "PARLOR_FUZZ=ON needs clang (libFuzzer), e.g. "
      "CXX=clang++-14 cmake -S . -B build-fuzz -DPARLOR_FUZZ=ON")
  endif()
  # The fuzz build holds the fuzz targets and the few libraries they test.
  set(PARLOR_BUILD_TESTS OFF CACHE BOOL "" FORCE)
  set(PARLOR_BUILD_WEB OFF CACHE BOOL "" FORCE)
endif()

if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE RelWithDebInfo CACHE STRING "Build type" FORCE)
endif()

set(CMAKE_RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/bin")
set(CMAKE_ARCHIVE_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/lib")
set(CMAKE_LIBRARY_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/lib")

add_library(parlor_options INTERFACE)
add_library(parlor::options ALIAS parlor_options)
target_compile_features(parlor_options INTERFACE cxx_std_20)
target_compile_options(parlor_options INTERFACE -Wall -Wextra -Wpedantic -Wshadow)
if(PARLOR_WERROR)
  target_compile_options(parlor_options INTERFACE -Werror)
endif()
if(PARLOR_FUZZ)
  # Coverage for libFuzzer and both sanitizers in every library a target
  # links; -O1 with assertions on (nlohmann's included), whatever the build
  # type. A sanitizer report aborts, so the fuzzer keeps the input.
  target_compile_options(parlor_options INTERFACE
    -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
    -fno-omit-frame-pointer -O1 -g -UNDEBUG)
  target_link_options(parlor_options INTERFACE -fsanitize=address,undefined)
endif()

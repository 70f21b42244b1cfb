# Build options and the parlor::options interface target every target links PRIVATE.
option(PARLOR_BUILD_TESTS "Build the test suite" ON)
option(PARLOR_WERROR "Treat warnings as errors" OFF)
option(PARLOR_BUILD_WEB "Bundle the browser client with npm/esbuild" ON)
option(PARLOR_GATEWAY_UNITY
  "Compile the gateway's Beast I/O sources as one translation unit (OFF: one each)" ON)

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

#pragma once

// What the fuzz targets assert. A failed check prints what broke and
// aborts, which libFuzzer reports as a crash and saves the input of;
// unlike `assert` it holds whatever NDEBUG says.

#include <cstdio>
#include <cstdlib>

#define PARLOR_FUZZ_CHECK(cond)                                             \
  do {                                                                      \
    if (!(cond)) {                                                          \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
                   #cond);                                                  \
      std::abort();                                                         \
    }                                                                       \
  } while (false)

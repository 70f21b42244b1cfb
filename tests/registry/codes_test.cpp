#include "parlor/registry/codes.hpp"

#include <catch2/catch.hpp>

#include <set>

using namespace parlor::registry;

TEST_CASE("codes are four upper-case letters covering 26^4 values",
          "[registry]") {
  CHECK(code_from_number(0) == "AAAA");
  CHECK(code_from_number(1) == "AAAB");
  CHECK(code_from_number(26) == "AABA");
  CHECK(code_from_number(26 * 26 * 26 * 26 - 1) == "ZZZZ");
  CHECK(code_from_number(26 * 26 * 26 * 26) == "AAAA");
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    auto c = random_code();
    REQUIRE(c.size() == 4);
    for (char ch : c)
      REQUIRE((ch >= 'A' && ch <= 'Z'));
    seen.insert(c);
  }
  CHECK(seen.size() > 1900); // collisions are rare among 456,976 codes
}

TEST_CASE("only four upper-case letters are a code", "[registry]") {
  CHECK(is_code("ABCD"));
  CHECK(is_code("ZZZZ"));
  CHECK_FALSE(is_code("abcd"));
  CHECK_FALSE(is_code("ABC"));
  CHECK_FALSE(is_code("ABCDE"));
  CHECK_FALSE(is_code("AB1D"));
  CHECK_FALSE(is_code(""));
}

TEST_CASE("codes normalize to upper case, other text is refused",
          "[registry]") {
  CHECK(normalize_code("abcd") == "ABCD");
  CHECK(normalize_code("AbCd") == "ABCD");
  CHECK_FALSE(normalize_code("ABC"));
  CHECK_FALSE(normalize_code("ABCDE"));
  CHECK_FALSE(normalize_code("AB1D"));
  CHECK_FALSE(normalize_code("ÄBCD"));
}

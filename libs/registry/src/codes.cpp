#include "parlor/registry/codes.hpp"

#include <random>

namespace parlor::registry {

std::string code_from_number(uint32_t n) {
  std::string code(4, 'A');
  n %= 26u * 26u * 26u * 26u;
  for (int i = 3; i >= 0; --i) {
    code[static_cast<std::size_t>(i)] = static_cast<char>('A' + n % 26);
    n /= 26;
  }
  return code;
}

std::string random_code() {
  thread_local std::mt19937 gen{std::random_device{}()};
  std::uniform_int_distribution<uint32_t> dist{0, 26u * 26u * 26u * 26u - 1};
  return code_from_number(dist(gen));
}

bool is_code(std::string_view code) {
  if (code.size() != 4)
    return false;
  for (char c : code)
    if (c < 'A' || c > 'Z')
      return false;
  return true;
}

std::optional<std::string> normalize_code(std::string_view code) {
  if (code.size() != 4)
    return std::nullopt;
  std::string out;
  for (char c : code) {
    if (c >= 'a' && c <= 'z')
      c = static_cast<char>(c - 'a' + 'A');
    if (c < 'A' || c > 'Z')
      return std::nullopt;
    out += c;
  }
  return out;
}

} // namespace parlor::registry

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parlor::registry {

/// Returns the code numbered `n` (mod 26^4): four upper-case ASCII letters.
std::string code_from_number(uint32_t n);

/// Returns a uniformly random code.
std::string random_code();

/// Whether `code` is a game code as issued: four upper-case ASCII letters.
bool is_code(std::string_view code);

/// Returns `code` upper-cased if it is four ASCII letters, else none.
std::optional<std::string> normalize_code(std::string_view code);

} // namespace parlor::registry

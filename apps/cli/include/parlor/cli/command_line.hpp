#pragma once

// The command line every Parlor binary shares: CLI11 holds each binary's
// options, parses them and writes `--help`; this adds the strict
// `--key=value` form the binaries have always taken and one help layout.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
} // namespace CLI

namespace parlor::cli {

/// Destroys a CLI11 app (CLI11 stays inside command_line.cpp: it is a
/// heavy header, and no binary needs more of it than this interface).
struct app_deleter {
  void operator()(CLI::App* app) const noexcept;
};

/// A binary's CLI11 app.
using app_ptr = std::unique_ptr<CLI::App, app_deleter>;

/// One option of a binary: `--key=PLACEHOLDER`, or the flag `--key` when
/// `placeholder` is empty.
struct option_spec {
  std::string key;
  std::string placeholder;
  std::string help;
  /// The environment variable CLI11 reads when the flag is absent (empty:
  /// none). Only where CLI11's rules are the binary's: see `node_config`.
  std::string env = {};
};

/// One option of a binary and how it takes a value into a `Config`: `set`
/// returns why the value is refused (empty: taken).
template <class Config>
struct option {
  option_spec spec;
  std::function<std::string(Config&, const std::string&)> set;
};

/// The option of `table` named `key`, or null.
template <class Config>
const option<Config>* find(const std::vector<option<Config>>& table,
                           std::string_view key) {
  for (auto& o : table)
    if (o.spec.key == key)
      return &o;
  return nullptr;
}

/// The specs of `table`, in order.
template <class Config>
std::vector<option_spec> specs_of(const std::vector<option<Config>>& table) {
  std::vector<option_spec> out;
  for (auto& o : table)
    out.push_back(o.spec);
  return out;
}

/// A CLI11 app named `name` with `specs` as its options, in that order.
/// `description` opens its help, `footer` ends it. The app has no CLI11
/// `-h`: `--help` is an ordinary flag the binary answers itself.
app_ptr make_app(const std::string& name, const std::string& description,
                 const std::string& footer,
                 const std::vector<option_spec>& specs);

/// What `parse` found: the first problem as one line (empty: none) and the
/// arguments that are not options, in order.
struct parsed_args {
  std::string error;
  std::vector<std::string> positionals;
  explicit operator bool() const noexcept {
    return error.empty();
  }
};

/// Parses `args` with `app`. An option that takes a value must be given as
/// `--key=value` (also `--key=`, an empty value); a flag as `--key` or
/// `--key=true` (`false`, `1`, `0`, `yes`, `no`). An argument that does not
/// start with `--` is a positional; more than `max_positionals` of them is
/// an error.
parsed_args parse(CLI::App& app, const std::vector<std::string>& args,
                  std::size_t max_positionals = 0);

/// Applies one value of option `key`; returns why it is refused (empty:
/// taken).
using setter =
  std::function<std::string(const std::string& key, const std::string& value)>;

/// Hands every value `parse` found to `set`: first the command line's, in
/// command-line order (a flag's as `true` or `false`), then those CLI11
/// read from the environment. Returns the first refusal, or empty.
std::string apply(const CLI::App& app, const setter& set);

/// The values `parse` found for `--key` on the command line, in order.
std::vector<std::string> results(const CLI::App& app, std::string_view key);

/// The `--help` text of `app`: its description, every option with its help
/// (and its environment variable), its footer.
std::string help_text(const CLI::App& app);

/// `text` as a whole number from `min` to `max` in decimal digits; none if
/// it is not one.
std::optional<uint64_t> to_uint(std::string_view text, uint64_t min,
                                uint64_t max);

/// `text` as a finite number from `min` to `max`; none if it is not one.
std::optional<double> to_double(std::string_view text, double min,
                                double max);

/// `true`, `1`, `yes` or empty as true; `false`, `0`, `no` as false; none
/// for anything else.
std::optional<bool> to_bool(std::string_view text);

} // namespace parlor::cli

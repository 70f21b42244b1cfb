#include "parlor/cli/command_line.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <sstream>

namespace parlor::cli {

namespace {

/// Lists options as the binaries take them: `--key=PLACEHOLDER` on one line,
/// the help indented below it, as the hand-written help texts did.
class help_formatter : public CLI::Formatter {
public:
  std::string make_help(const CLI::App* app, std::string,
                        CLI::AppFormatMode) const override {
    std::string out = app->get_description();
    auto opts = app->get_options(
      [](const CLI::Option* opt) { return opt->nonpositional(); });
    if (!opts.empty())
      out += "\nOptions:\n";
    for (auto* opt : opts)
      out += make_option(opt, false);
    if (!app->get_footer().empty())
      out += "\n" + app->get_footer();
    return out;
  }

  std::string make_option(const CLI::Option* opt, bool) const override {
    std::string out = "  " + opt->get_name();
    if (opt->get_expected_max() != 0)
      out += "=" + opt->get_type_name();
    std::string help = opt->get_description();
    if (!opt->get_envname().empty())
      help += " (also " + opt->get_envname() + ")";
    std::istringstream lines{help};
    for (std::string line; std::getline(lines, line);)
      out += "\n      " + line;
    return out + "\n";
  }
};

} // namespace

void app_deleter::operator()(CLI::App* app) const noexcept {
  delete app;
}

app_ptr make_app(const std::string& name, const std::string& description,
                 const std::string& footer,
                 const std::vector<option_spec>& specs) {
  app_ptr app{new CLI::App(description, name)};
  app->set_help_flag();
  app->footer(footer);
  app->formatter(std::make_shared<help_formatter>());
  for (auto& s : specs) {
    CLI::Option* opt = nullptr;
    if (s.placeholder.empty()) {
      opt = app->add_flag("--" + s.key);
      opt->description(s.help);
    } else {
      opt = app->add_option("--" + s.key, s.help);
      opt->type_name(s.placeholder);
    }
    // Every value is kept; `apply` hands them on in order (the last wins
    // where a binary keeps one).
    opt->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    if (!s.env.empty())
      opt->envname(s.env);
  }
  return app;
}

parsed_args parse(CLI::App& app, const std::vector<std::string>& args,
                  std::size_t max_positionals) {
  // CLI11 also takes `--key value`, and takes the next argument as the
  // value of `--key=` (nothing after `=`). The binaries take `--key=value`
  // only, as they always have, so CLI11 gets each value as an argument of
  // its own, right after its option, and the positionals after `--`.
  parsed_args out;
  std::vector<std::string> tokens;
  for (auto& arg : args) {
    if (arg.size() <= 2 || arg.rfind("--", 0) != 0) {
      if (out.positionals.size() == max_positionals) {
        out.error = "unexpected argument '" + arg
                    + "' (options are --key=value)";
        return out;
      }
      out.positionals.push_back(arg);
      continue;
    }
    auto eq = arg.find('=');
    auto key = arg.substr(2, eq == std::string::npos ? std::string::npos
                                                     : eq - 2);
    auto* opt = app.get_option_no_throw("--" + key);
    if (!opt || !opt->nonpositional()) {
      out.error = "unknown option '--" + key + "'; see --help";
      return out;
    }
    if (opt->get_expected_max() == 0) {
      tokens.push_back(arg); // a flag: CLI11 reads `--key=true` itself
      continue;
    }
    if (eq == std::string::npos) {
      out.error = "option --" + key + " needs a value: --" + key + "="
                  + opt->get_type_name();
      return out;
    }
    tokens.push_back("--" + key);
    tokens.push_back(arg.substr(eq + 1));
  }
  std::reverse(tokens.begin(), tokens.end()); // CLI11 pops from the back
  try {
    app.parse(tokens);
  } catch (const CLI::ParseError& e) {
    out.error = e.what();
  }
  return out;
}

std::string apply(const CLI::App& app, const setter& set) {
  // `parse_order` lists each command-line value's option once per value.
  std::map<const CLI::Option*, std::size_t> used;
  for (auto* opt : app.parse_order()) {
    auto& i = used[opt];
    auto& value = opt->results().at(i++);
    if (auto err = set(opt->get_name().substr(2), value); !err.empty())
      return err;
  }
  // What CLI11 took from the environment is not in `parse_order`; it is
  // there only for options the command line did not give.
  for (auto* opt : app.get_options()) {
    if (used.count(opt) != 0)
      continue;
    for (auto& value : opt->results())
      if (auto err = set(opt->get_name().substr(2), value); !err.empty())
        return err;
  }
  return {};
}

std::vector<std::string> results(const CLI::App& app, std::string_view key) {
  return app.get_option("--" + std::string{key})->results();
}

std::string help_text(const CLI::App& app) {
  return app.help();
}

std::optional<uint64_t> to_uint(std::string_view text, uint64_t min,
                                uint64_t max) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()
      || v < min || v > max)
    return std::nullopt;
  return v;
}

std::optional<double> to_double(std::string_view text, double min,
                                double max) {
  if (text.empty())
    return std::nullopt;
  std::string s{text};
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(s, &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (used != s.size() || !std::isfinite(v) || v < min || v > max)
    return std::nullopt;
  return v;
}

std::optional<bool> to_bool(std::string_view text) {
  if (text.empty() || text == "true" || text == "1" || text == "yes")
    return true;
  if (text == "false" || text == "0" || text == "no")
    return false;
  return std::nullopt;
}

} // namespace parlor::cli

#include "parlor/games/rules.hpp"

namespace parlor::games {

nlohmann::json rules::private_view(std::size_t) const {
  return nullptr;
}

std::optional<std::vector<nlohmann::json>>
rules::legal_moves(std::size_t) const {
  return std::nullopt;
}

std::optional<int64_t> rules::deadline() const {
  return std::nullopt;
}

void rules::time_out(int64_t) {
  // Games without a clock never time out.
}

nlohmann::json turn_clock::save() const {
  if (seconds == 0)
    return nullptr;
  return {{"seconds", seconds},
          {"ends_ms", ends_ms ? nlohmann::json(*ends_ms) : nlohmann::json()}};
}

bool turn_clock::load(const nlohmann::json& data) {
  if (data.is_null()) {
    *this = {};
    return true;
  }
  if (!data.is_object())
    return false;
  auto s = data.find("seconds");
  auto e = data.find("ends_ms");
  if (s == data.end() || !s->is_number_integer() || e == data.end()
      || !(e->is_null() || e->is_number_integer()))
    return false;
  auto n = s->get<int64_t>();
  if (n < 1 || n > 86'400)
    return false;
  seconds = n;
  ends_ms = e->is_null() ? std::nullopt
                         : std::optional<int64_t>{e->get<int64_t>()};
  return true;
}

namespace {


/// Checks one value; returns what is wrong, or empty.
std::string check(const option_spec& spec, const nlohmann::json& v) {
  switch (spec.kind) {
    case option_spec::type::integer: {
      if (!v.is_number_integer())
        return spec.key + " must be an integer";
      auto n = v.is_number_unsigned()
                 ? static_cast<int64_t>(std::min<uint64_t>(
                   v.get<uint64_t>(), uint64_t{INT64_MAX}))
                 : v.get<int64_t>();
      if (n < spec.min || n > spec.max)
        return spec.key + " must be " + std::to_string(spec.min) + " to "
               + std::to_string(spec.max);
      return {};
    }
    case option_spec::type::boolean:
      return v.is_boolean() ? std::string{} : spec.key + " must be true or false";
    case option_spec::type::choice:
      if (v.is_string())
        for (auto& c : spec.choices)
          if (v.get_ref<const std::string&>() == c)
            return {};
      {
        std::string list;
        for (auto& c : spec.choices)
          list += (list.empty() ? "\"" : ", \"") + c + "\"";
        return spec.key + " must be one of " + list;
      }
  }
  return spec.key + " is not valid";
}

} // namespace

const option_spec& turn_seconds_option() {
  static const option_spec spec{
    "turn_seconds", option_spec::type::integer, 0, 86'400, {}, 0,
    "seconds per turn; 0 = no clock"};
  return spec;
}

nlohmann::json validate_options(const kind_info& info,
                                const nlohmann::json& options,
                                std::string& error) {
  error.clear();
  if (!options.is_null() && !options.is_object()) {
    error = "options must be an object";
    return nullptr;
  }
  auto& turn_seconds = turn_seconds_option();
  auto find = [&](const std::string& key) -> const option_spec* {
    if (key == turn_seconds.key)
      return &turn_seconds;
    for (auto& o : info.options)
      if (o.key == key)
        return &o;
    return nullptr;
  };
  auto result = nlohmann::json::object();
  if (options.is_object()) {
    for (auto& [key, value] : options.items()) {
      auto spec = find(key);
      if (!spec) {
        error = "unknown option " + nlohmann::json(key).dump(
                  -1, ' ', false, nlohmann::json::error_handler_t::replace)
                + " for " + info.kind;
        return nullptr;
      }
      if (error = check(*spec, value); !error.empty())
        return nullptr;
      result[key] = value;
    }
  }
  if (!result.contains(turn_seconds.key))
    result[turn_seconds.key] = turn_seconds.default_value;
  for (auto& o : info.options)
    if (!result.contains(o.key))
      result[o.key] = o.default_value;
  return result;
}

} // namespace parlor::games

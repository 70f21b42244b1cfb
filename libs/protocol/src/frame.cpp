#include "parlor/protocol/frame.hpp"

#include "parlor/core/json_text.hpp"

namespace parlor::protocol {

namespace {

using nlohmann::json;

/// Reads a `join_ref` or `ref` field: null or a string. Phoenix clients
/// send strings; a number is accepted and read as its decimal text.
bool read_ref(const json& x, std::optional<std::string>& out) {
  if (x.is_null()) {
    out.reset();
    return true;
  }
  if (x.is_string()) {
    out = x.get<std::string>();
    return true;
  }
  if (x.is_number_unsigned()) {
    out = std::to_string(x.get<uint64_t>());
    return true;
  }
  if (x.is_number_integer()) {
    out = std::to_string(x.get<int64_t>());
    return true;
  }
  return false;
}

using core::dump_json;

void append_ref(std::string& out, const std::optional<std::string>& x) {
  core::append_json_string_or_null(out, x ? &*x : nullptr);
}

/// Appends `[join_ref,ref,"topic",`: how every frame starts.
void append_head(std::string& out, const std::optional<std::string>& join_ref,
                 const std::optional<std::string>& ref,
                 std::string_view topic) {
  out += '[';
  append_ref(out, join_ref);
  out += ',';
  append_ref(out, ref);
  out += ',';
  core::append_json_string(out, topic);
  out += ',';
}

/// Appends a whole frame; `payload` is JSON text already.
void append_frame(std::string& out, const std::optional<std::string>& join_ref,
                  const std::optional<std::string>& ref, std::string_view topic,
                  std::string_view event, std::string_view payload) {
  out.reserve(out.size() + 32 + topic.size() + event.size() + payload.size());
  append_head(out, join_ref, ref, topic);
  core::append_json_string(out, event);
  out += ',';
  out += payload;
  out += ']';
}

} // namespace

std::string_view to_string(errc x) {
  switch (x) {
    case errc::none:
      return "none";
    case errc::not_json:
      return "frame is not valid JSON";
    case errc::too_deep:
      return "frame nests arrays or objects too deep";
    case errc::not_a_frame:
      return "frame is not an array of five elements";
    case errc::bad_join_ref:
      return "join_ref must be a string or null";
    case errc::bad_ref:
      return "ref must be a string or null";
    case errc::bad_topic:
      return "topic must be a non-empty string";
    case errc::bad_event:
      return "event must be a non-empty string";
    case errc::bad_payload:
      return "payload must be an object";
  }
  return "unknown";
}

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/// Reads frames as Phoenix clients send them without building a JSON
/// document: refs null or strings, topic and event non-empty strings, all
/// plain printable ASCII without escapes, and an object payload (validated
/// by nlohmann's parser, kept as text). Anything else returns nothing and
/// goes to `decode_full`, which also says what is wrong with a bad frame.
std::optional<frame> decode_plain(std::string_view text) {
  size_t i = 0;
  auto skip_space = [&] {
    while (i < text.size() && is_space(text[i]))
      ++i;
  };
  auto punct = [&](char c) {
    skip_space();
    if (i >= text.size() || text[i] != c)
      return false;
    ++i;
    return true;
  };
  auto plain_string = [&](std::string_view& out) {
    skip_space();
    if (i >= text.size() || text[i] != '"')
      return false;
    auto start = ++i;
    for (; i < text.size(); ++i) {
      auto c = static_cast<unsigned char>(text[i]);
      if (c == '"') {
        out = text.substr(start, i++ - start);
        return true;
      }
      if (!core::plain_json_char(c))
        return false;
    }
    return false;
  };
  auto ref = [&](std::optional<std::string>& out) {
    skip_space();
    if (text.substr(i, 4) == "null") {
      i += 4;
      return true;
    }
    std::string_view x;
    if (!plain_string(x))
      return false;
    out.emplace(x);
    return true;
  };
  frame f;
  std::string_view topic;
  std::string_view event;
  if (!punct('[') || !ref(f.join_ref) || !punct(',') || !ref(f.ref)
      || !punct(',') || !plain_string(topic) || topic.empty() || !punct(',')
      || !plain_string(event) || event.empty() || !punct(','))
    return std::nullopt;
  // The payload runs from here to the closing bracket.
  skip_space();
  auto end = text.size();
  while (end > i && is_space(text[end - 1]))
    --end;
  if (end == i || text[end - 1] != ']')
    return std::nullopt;
  --end;
  while (end > i && is_space(text[end - 1]))
    --end;
  auto payload = text.substr(i, end - i);
  if (payload.size() < 2 || payload.front() != '{' || payload.back() != '}'
      || !json::accept(payload))
    return std::nullopt;
  f.topic = topic;
  f.event = event;
  f.payload = payload;
  return f;
}

std::variant<frame, decode_error> decode_full(std::string_view text) {
  auto doc = json::parse(text.begin(), text.end(), nullptr, false);
  if (doc.is_discarded())
    return decode_error{errc::not_json, {}, {}, {}};
  if (!doc.is_array())
    return decode_error{errc::not_a_frame, {}, {}, {}};
  if (doc.size() != 5) {
    // Still answerable if it starts with usable refs, e.g.
    // ["1","2","lobby","phx_join"]; otherwise the socket is closed.
    decode_error err{errc::not_a_frame, {}, {}, {}};
    std::optional<std::string> join_ref;
    std::optional<std::string> ref;
    if (doc.size() >= 2 && read_ref(doc[0], join_ref) && read_ref(doc[1], ref)) {
      err.join_ref = std::move(join_ref);
      err.ref = std::move(ref);
      if (doc.size() >= 3 && doc[2].is_string())
        err.topic = doc[2].get<std::string>();
    }
    return err;
  }
  decode_error err;
  frame f;
  // Read what can be read first, so that an error can still be answered.
  bool join_ref_ok = read_ref(doc[0], f.join_ref);
  bool ref_ok = read_ref(doc[1], f.ref);
  err.join_ref = f.join_ref;
  err.ref = f.ref;
  if (doc[2].is_string())
    err.topic = doc[2].get<std::string>();
  if (!join_ref_ok)
    err.code = errc::bad_join_ref;
  else if (!ref_ok)
    err.code = errc::bad_ref;
  else if (!doc[2].is_string() || doc[2].get_ref<const std::string&>().empty())
    err.code = errc::bad_topic;
  else if (!doc[3].is_string() || doc[3].get_ref<const std::string&>().empty())
    err.code = errc::bad_event;
  else if (!doc[4].is_object())
    err.code = errc::bad_payload;
  if (err.code != errc::none)
    return err;
  f.topic = std::move(doc[2].get_ref<std::string&>());
  f.event = std::move(doc[3].get_ref<std::string&>());
  f.payload = dump_json(doc[4]);
  return f;
}

} // namespace

std::variant<frame, decode_error> decode(std::string_view text) {
  // No JSON text holds a NUL byte, and nlohmann's parser would take one for
  // the end of the input (accepting "{}\0junk").
  if (text.find('\0') != std::string_view::npos)
    return decode_error{errc::not_json, {}, {}, {}};
  if (!core::json_depth_within(text, max_depth))
    return decode_error{errc::too_deep, {}, {}, {}};
  if (auto f = decode_plain(text))
    return std::move(*f);
  return decode_full(text);
}

namespace {

/// SAX handler of `peek_head`: takes the first three elements of the
/// frame's array and stops the parser there (returning false).
class head_reader {
public:
  using number_integer_t = json::number_integer_t;
  using number_unsigned_t = json::number_unsigned_t;
  using number_float_t = json::number_float_t;
  using string_t = json::string_t;
  using binary_t = json::binary_t;

  frame_head head;
  /// Whether `[join_ref, ref` were read as a frame's.
  bool usable = false;

  bool null() {
    return index_ < 2 ? element(std::nullopt) : fail();
  }
  bool boolean(bool) {
    return fail();
  }
  // Refs may be numbers (as `decode` reads them); a topic may not.
  bool number_integer(number_integer_t x) {
    return index_ < 2 ? element(std::to_string(x)) : fail();
  }
  bool number_unsigned(number_unsigned_t x) {
    return index_ < 2 ? element(std::to_string(x)) : fail();
  }
  bool number_float(number_float_t, const string_t&) {
    return fail();
  }
  bool string(string_t& x) {
    return element(std::move(x));
  }
  bool binary(binary_t&) {
    return fail();
  }
  bool start_object(std::size_t) {
    return fail();
  }
  bool key(string_t&) {
    return fail();
  }
  bool end_object() {
    return fail();
  }
  bool start_array(std::size_t) {
    if (in_array_)
      return fail();
    in_array_ = true;
    return true;
  }
  bool end_array() {
    return false;
  }
  bool parse_error(std::size_t, const std::string&,
                   const nlohmann::detail::exception&) {
    return false;
  }

private:
  bool element(std::optional<std::string> x) {
    if (!in_array_)
      return fail();
    switch (index_++) {
      case 0:
        head.join_ref = std::move(x);
        return true;
      case 1:
        head.ref = std::move(x);
        usable = true;
        return true;
      default:
        if (x)
          head.topic = std::move(*x);
        return false; // all that is needed
    }
  }

  bool fail() {
    if (index_ == 2) // a topic that is not a string: the refs still hold
      return false;
    usable = false;
    return false;
  }

  bool in_array_ = false;
  int index_ = 0;
};

} // namespace

std::optional<frame_head> peek_head(std::string_view text) {
  head_reader reader;
  json::sax_parse(text.begin(), text.end(), &reader);
  if (!reader.usable)
    return std::nullopt;
  return std::move(reader.head);
}

json payload_json(const frame& f) {
  return json::parse(f.payload, nullptr, false);
}

std::string encode(const frame& f) {
  std::string out;
  append_frame(out, f.join_ref, f.ref, f.topic, f.event, f.payload);
  return out;
}

std::string encode_reply(const std::optional<std::string>& join_ref,
                         const std::optional<std::string>& ref,
                         std::string_view topic, bool ok,
                         const nlohmann::json& response) {
  return encode_raw_reply(join_ref, ref, topic, ok, dump_json(response));
}

std::string encode_raw_reply(const std::optional<std::string>& join_ref,
                             const std::optional<std::string>& ref,
                             std::string_view topic, bool ok,
                             std::string_view response) {
  std::string out;
  out.reserve(64 + topic.size() + response.size());
  append_head(out, join_ref, ref, topic);
  out += R"("phx_reply",{"status":)";
  out += ok ? R"("ok")" : R"("error")";
  out += R"(,"response":)";
  out += response;
  out += "}]";
  return out;
}

std::string encode_push(const std::optional<std::string>& join_ref,
                        std::string_view topic, std::string_view event,
                        const nlohmann::json& payload) {
  std::string out;
  append_frame(out, join_ref, std::nullopt, topic, event, dump_json(payload));
  return out;
}

std::string encode_broadcast(std::string_view topic, std::string_view event,
                             std::string_view payload) {
  std::string out;
  append_frame(out, std::nullopt, std::nullopt, topic, event, payload);
  return out;
}

nlohmann::json reason(std::string_view reason) {
  return {{"reason", std::string{reason}}};
}

} // namespace parlor::protocol

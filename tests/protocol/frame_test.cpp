#include "parlor/protocol/frame.hpp"

#include "parlor/core/json_text.hpp"

#include <catch2/catch.hpp>

#include <random>

using namespace parlor::protocol;
using nlohmann::json;

TEST_CASE("a Phoenix v2 frame decodes into its five fields", "[protocol]") {
  auto r = decode(R"(["3","7","game:ABCD","move",{"cell":4}])");
  REQUIRE(std::holds_alternative<frame>(r));
  auto& f = std::get<frame>(r);
  CHECK(f.join_ref == "3");
  CHECK(f.ref == "7");
  CHECK(f.topic == "game:ABCD");
  CHECK(f.event == "move");
  CHECK(f.payload == R"({"cell":4})");
  CHECK(payload_json(f) == json{{"cell", 4}});
}

TEST_CASE("a payload keeps the client's text, whitespace included",
          "[protocol]") {
  auto f = std::get<frame>(
    decode(" [ \"3\" , null ,\t\"game:ABCD\" , \"move\" ,\n{ \"cell\" : 4 } ] \r\n"));
  CHECK(f.join_ref == "3");
  CHECK_FALSE(f.ref);
  CHECK(f.topic == "game:ABCD");
  CHECK(f.payload == R"({ "cell" : 4 })");
  CHECK(payload_json(f) == json{{"cell", 4}});
}

TEST_CASE("escapes, numbers and non-ASCII text decode as the JSON parser "
          "reads them", "[protocol]") {
  // These frames leave the fast path for the full parser; the result is
  // the same frame either way.
  auto f = std::get<frame>(
    decode(R"(["3",7,"game:ABCD","move",{"name":"Zoë"}])"));
  CHECK(f.join_ref == "3");
  CHECK(f.ref == "7");
  CHECK(f.topic == "game:ABCD");
  CHECK(f.event == "move");
  CHECK(payload_json(f) == json{{"name", "Zo\u00eb"}});
  auto g = std::get<frame>(decode("[null,\"1\",\"caf\u00e9\",\"x\",{}]"));
  CHECK(g.topic == "caf\u00e9");
  CHECK(g.payload == "{}");
}

TEST_CASE("a payload that is not one JSON object is refused as the full "
          "parser refuses it", "[protocol]") {
  struct row {
    const char* text;
    errc code;
  };
  const row rows[] = {
    // Looks like an object up to the last bracket, but is not one value.
    {R"([null,"1","lobby","create",{}],{}])", errc::not_json},
    {R"([null,"1","lobby","create",{} {}])", errc::not_json},
    {R"([null,"1","lobby","create",{"a":}])", errc::not_json},
    {"[null,\"1\",\"lobby\",\"create\",{\"a\":\"\xff\"}]", errc::not_json},
    {R"([null,"1","lobby","create",{"a":1}] x)", errc::not_json},
    {R"([null,"1","lobby","create",{"a":1})", errc::not_json},
    {R"([null,"1","lobby","create",[{}]])", errc::bad_payload},
    {R"([nullx,"1","lobby","create",{}])", errc::not_json},
    {"[null,\"1\",\"lo\tbby\",\"create\",{}]", errc::not_json},
  };
  for (auto& r : rows) {
    INFO(r.text);
    auto res = decode(r.text);
    REQUIRE(std::holds_alternative<decode_error>(res));
    CHECK(std::get<decode_error>(res).code == r.code);
  }
}

TEST_CASE("a NUL byte anywhere makes a frame not JSON", "[protocol]") {
  using namespace std::string_literals;
  for (auto text : {R"(["1","2","game:ABCD","move",{"cell":4})"s + '\0' + "}]",
                    R"(["1","2","game:ABCD","move",{"cell":4}])"s + '\0' + "x",
                    R"(["1","2","game:ABCD","move",{"a":"b)"s + '\0' + "c\"}]"}) {
    INFO(text);
    auto res = decode(text);
    REQUIRE(std::holds_alternative<decode_error>(res));
    CHECK(std::get<decode_error>(res).code == errc::not_json);
    CHECK(std::get<decode_error>(res).fatal());
  }
}

TEST_CASE("null refs decode as none, numeric refs as text", "[protocol]") {
  auto f = std::get<frame>(decode(R"([null,"1","phoenix","heartbeat",{}])"));
  CHECK_FALSE(f.join_ref);
  CHECK(f.ref == "1");
  auto g = std::get<frame>(decode(R"([12,13,"lobby","phx_join",{}])"));
  CHECK(g.join_ref == "12");
  CHECK(g.ref == "13");
  // Past int64's range the number is still read as written.
  auto h = std::get<frame>(
    decode(R"([18446744073709551615,-4,"lobby","phx_join",{}])"));
  CHECK(h.join_ref == "18446744073709551615");
  CHECK(h.ref == "-4");
}

TEST_CASE("malformed frames map to clear errors", "[protocol]") {
  struct row {
    const char* text;
    errc code;
    bool fatal;
    bool has_ref;
  };
  const row rows[] = {
    {"", errc::not_json, true, false},
    {"not json", errc::not_json, true, false},
    {"[1,2", errc::not_json, true, false},
    {"\xff\xfe", errc::not_json, true, false},
    {"{}", errc::not_a_frame, true, false},
    {"42", errc::not_a_frame, true, false},
    {"\"text\"", errc::not_a_frame, true, false},
    {"[]", errc::not_a_frame, true, false},
    {R"([null,null,"phoenix","heartbeat"])", errc::not_a_frame, true, false},
    {R"([null,"1","phoenix","heartbeat"])", errc::not_a_frame, false, true},
    {R"(["1","1","lobby","phx_join"])", errc::not_a_frame, false, true},
    {R"([null,"1","phoenix","heartbeat",{},1])", errc::not_a_frame, false,
     true},
    {R"([null])", errc::not_a_frame, true, false},
    {R"([{},"1"])", errc::not_a_frame, true, false},
    {R"([{},"1","lobby","phx_join",{}])", errc::bad_join_ref, false, true},
    {R"([null,true,"lobby","phx_join",{}])", errc::bad_ref, false, false},
    {R"([null,[1],"lobby","phx_join",{}])", errc::bad_ref, false, false},
    {R"([null,"1",5,"phx_join",{}])", errc::bad_topic, false, true},
    {R"([null,"1","","phx_join",{}])", errc::bad_topic, false, true},
    {R"([null,"1","lobby",null,{}])", errc::bad_event, false, true},
    {R"([null,"1","lobby","",{}])", errc::bad_event, false, true},
    {R"([null,"1","lobby","create",[]])", errc::bad_payload, false, true},
    {R"([null,"1","lobby","create","x"])", errc::bad_payload, false, true},
    {R"([null,"1","lobby","create",null])", errc::bad_payload, false, true},
  };
  for (auto& r : rows) {
    INFO(r.text);
    auto res = decode(r.text);
    REQUIRE(std::holds_alternative<decode_error>(res));
    auto& e = std::get<decode_error>(res);
    CHECK(e.code == r.code);
    CHECK(e.fatal() == r.fatal);
    CHECK(e.ref.has_value() == r.has_ref);
    CHECK(to_string(e.code).size() > 4);
  }
}

TEST_CASE("a decode error keeps what it could read for the reply",
          "[protocol]") {
  auto e = std::get<decode_error>(
    decode(R"(["2","9","game:ABCD","move",[1,2]])"));
  CHECK(e.code == errc::bad_payload);
  CHECK(e.join_ref == "2");
  CHECK(e.ref == "9");
  CHECK(e.topic == "game:ABCD");
}

TEST_CASE("deeply nested garbage is refused without a crash", "[protocol]") {
  std::string deep(100000, '[');
  auto res = decode(deep);
  REQUIRE(std::holds_alternative<decode_error>(res));
  CHECK(std::get<decode_error>(res).fatal());
}

TEST_CASE("encode and decode round-trip", "[protocol]") {
  frame f{"1", "2", "game:WXYZ", "state", R"({"version":3})"};
  auto back = std::get<frame>(decode(encode(f)));
  CHECK(back.join_ref == f.join_ref);
  CHECK(back.ref == f.ref);
  CHECK(back.topic == f.topic);
  CHECK(back.event == f.event);
  CHECK(back.payload == f.payload);
}

TEST_CASE("replies carry status and response", "[protocol]") {
  auto ok = json::parse(encode_reply("1", "5", "lobby", true,
                                     json{{"code", "ABCD"}}));
  CHECK(ok == json::array({"1", "5", "lobby", "phx_reply",
                           {{"status", "ok"},
                            {"response", {{"code", "ABCD"}}}}}));
  auto err = json::parse(encode_reply(std::nullopt, "9", "foo", false,
                                      reason("unmatched topic")));
  CHECK(err[0].is_null());
  CHECK(err[4]["status"] == "error");
  CHECK(err[4]["response"]["reason"] == "unmatched topic");
  auto raw = json::parse(encode_raw_reply("1", "2", "game:ABCD", true,
                                          R"({"seat":null,"state":{}})"));
  CHECK(raw[4]["response"]["seat"].is_null());
}

TEST_CASE("pushes and broadcasts have a null ref", "[protocol]") {
  auto push = json::parse(encode_push("4", "game:ABCD", "phx_close",
                                      json::object()));
  CHECK(push == json::array({"4", nullptr, "game:ABCD", "phx_close",
                             json::object()}));
  auto b = json::parse(encode_broadcast("game:ABCD", "state",
                                        R"({"version":2})"));
  CHECK(b == json::array({nullptr, nullptr, "game:ABCD", "state",
                          {{"version", 2}}}));
}

TEST_CASE("text from clients is escaped, even when it is not UTF-8",
          "[protocol]") {
  auto text = encode_reply("1\"", "2", "a\"b\\c\n", false,
                           reason("x\xff"));
  auto parsed = json::parse(text, nullptr, false);
  REQUIRE_FALSE(parsed.is_discarded());
  CHECK(parsed[0] == "1\"");
  CHECK(parsed[2] == "a\"b\\c\n");
}

TEST_CASE("strings are written exactly as nlohmann::json writes them",
          "[protocol]") {
  for (std::string x :
       {std::string{"plain ascii 123"}, std::string{}, std::string{"\""},
        std::string{"a\\b"}, std::string{"\b\f\n\r\t"},
        std::string{"\x01\x1f\x7f"}, std::string{"Zoë 日本語 😀"},
        std::string{"\xff"}, std::string{"x\xc3"}, std::string{"\xe6\x97"},
        std::string{"\xed\xa0\x80 surrogate"}, std::string{"\xc0\xaf"},
        std::string{"ok \xf4\x90\x80\x80 above U+10FFFF"}}) {
    std::string out;
    parlor::core::append_json_string(out, x);
    CHECK(out
          == nlohmann::json(x).dump(-1, ' ', false,
                                    nlohmann::json::error_handler_t::replace));
  }
}

namespace {

/// What `decode` must give for `text`, read with nlohmann's parser alone:
/// a frame, or nothing if the text is refused.
std::optional<frame> oracle(const std::string& text) {
  if (text.find('\0') != std::string::npos)
    return std::nullopt;
  auto doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_array() || doc.size() != 5)
    return std::nullopt;
  auto ref = [](const json& x, std::optional<std::string>& out) {
    if (x.is_null())
      return true;
    if (x.is_string())
      out = x.get<std::string>();
    else if (x.is_number_unsigned())
      out = std::to_string(x.get<uint64_t>());
    else if (x.is_number_integer())
      out = std::to_string(x.get<int64_t>());
    else
      return false;
    return true;
  };
  frame f;
  if (!ref(doc[0], f.join_ref) || !ref(doc[1], f.ref) || !doc[2].is_string()
      || doc[2].get<std::string>().empty() || !doc[3].is_string()
      || doc[3].get<std::string>().empty() || !doc[4].is_object())
    return std::nullopt;
  f.topic = doc[2].get<std::string>();
  f.event = doc[3].get<std::string>();
  f.payload = doc[4].dump();
  return f;
}

} // namespace

TEST_CASE("decode agrees with nlohmann's parser on generated and mutated "
          "frames", "[protocol]") {
  // Pieces clients send and pieces they should not: plain and escaped
  // strings, numbers, non-ASCII, empty strings, wrong types, broken JSON.
  const std::vector<std::string> refs = {
    "null", R"("1")", R"("")", R"("a b")", R"("\u0041")", R"("x\"y")",
    "\"caf\xc3\xa9\"", "12", "-3", "18446744073709551615", "1.5", "true",
    "{}", R"("\\")", "nul"};
  const std::vector<std::string> topics = {
    R"("game:ABCD")", R"("lobby")", R"("")", R"("g\u0061me:X")", "7",
    "null", "\"t\xff\"", R"("a\tb")", R"("phoenix")"};
  const std::vector<std::string> events = {
    R"("move")", R"("phx_join")", R"("")", R"("mo\u0076e")", "[]",
    R"("heartbeat")"};
  const std::vector<std::string> payloads = {
    "{}", R"({"cell":4})", R"({ "a" : [1, 2, {}], "b": null })", "[]",
    R"({"a":})", "{}}", "{} {}", R"("s")", R"({"a":"\u0000"})",
    "{\"n\":\"Zo\xc3\xab\"}", R"({"a":1e400})", "{\"a\":\"\xff\"}", "",
    R"({"x":"]"})"};
  const std::vector<std::string> spaces = {"", " ", "\n\t", "\r\n "};
  std::mt19937 rng{20261121};
  auto pick = [&](const std::vector<std::string>& from) -> const std::string& {
    return from[std::uniform_int_distribution<std::size_t>{
      0, from.size() - 1}(rng)];
  };
  auto sp = [&] { return pick(spaces); };
  std::size_t frames = 0;
  std::size_t mismatches = 0;
  std::size_t accepted = 0;
  auto check = [&](const std::string& text) {
    ++frames;
    auto want = oracle(text);
    auto got = decode(text);
    bool same = false;
    if (auto f = std::get_if<frame>(&got)) {
      // The fast path keeps the client's payload text, the full parser
      // rewrites it: compare payloads as JSON.
      same = want && f->join_ref == want->join_ref && f->ref == want->ref
             && f->topic == want->topic && f->event == want->event
             && payload_json(*f) == json::parse(want->payload);
      accepted += same;
    } else {
      same = !want;
    }
    if (!same && ++mismatches <= 5)
      FAIL_CHECK("decode disagrees with the parser on: " << text);
  };
  for (int n = 0; n < 20'000; ++n) {
    std::string text = sp() + "[" + sp() + pick(refs) + sp() + "," + sp()
                       + pick(refs) + sp() + "," + sp() + pick(topics) + sp()
                       + "," + sp() + pick(events) + sp() + "," + sp()
                       + pick(payloads) + sp() + "]" + sp();
    check(text);
    // The same frame mutated: a byte dropped, doubled or replaced.
    if (text.empty())
      continue;
    auto at = std::uniform_int_distribution<std::size_t>{0, text.size() - 1}(
      rng);
    auto mutated = text;
    switch (n % 3) {
      case 0:
        mutated.erase(at, 1);
        break;
      case 1:
        mutated.insert(at, 1, mutated[at]);
        break;
      default: {
        static constexpr char bytes[] = "[]{},\":\\ a0\x01\x7f\xc3";
        mutated[at] = bytes[std::uniform_int_distribution<std::size_t>{
          0, sizeof bytes - 2}(rng)];
      }
    }
    check(mutated);
  }
  CHECK(mismatches == 0);
  CHECK(frames == 40'000);
  // Enough of both outcomes for the comparison to mean something.
  CHECK(accepted > 2'000);
  CHECK(frames - accepted > 2'000);
}

TEST_CASE("frames nested deeper than max_depth are refused before parsing",
          "[protocol]") {
  auto deep = [](std::size_t levels, const char* ref) {
    return std::string{R"([null,)"} + ref + R"(,"lobby","x",{"a":)"
           + std::string(levels, '[') + std::string(levels, ']') + "}]";
  };
  // The frame's array and the payload's object are two levels.
  auto at_limit = decode(deep(max_depth - 2, R"("1")"));
  REQUIRE(std::holds_alternative<frame>(at_limit));
  auto over = decode(deep(max_depth - 1, R"("1")"));
  REQUIRE(std::holds_alternative<decode_error>(over));
  CHECK(std::get<decode_error>(over).code == errc::too_deep);
  CHECK(std::get<decode_error>(over).fatal());
}

TEST_CASE("a deeply nested frame with a numeric ref is refused, not walked",
          "[protocol]") {
  // A numeric ref sends a frame through the full parser, whose payload was
  // written again by a recursive dump: 300,000 levels overflowed the stack.
  std::string levels(300'000, '[');
  auto huge = decode(R"([null,1,"lobby","x",{"a":)" + levels
                     + std::string(levels.size(), ']') + "}]");
  REQUIRE(std::holds_alternative<decode_error>(huge));
  CHECK(std::get<decode_error>(huge).code == errc::too_deep);
}

TEST_CASE("peek_head reads the refs and topic of a frame without the rest",
          "[protocol]") {
  SECTION("a whole frame") {
    auto h = peek_head(R"(["1","2","game:ABCD","move",{"cell":4}])");
    REQUIRE(h);
    CHECK(h->join_ref == "1");
    CHECK(h->ref == "2");
    CHECK(h->topic == "game:ABCD");
  }
  SECTION("the payload is never read: truncated or deep, the head holds") {
    auto h = peek_head(R"([null,"7","phoenix","heartbeat",{"a":[[[[)");
    REQUIRE(h);
    CHECK_FALSE(h->join_ref);
    CHECK(h->ref == "7");
    CHECK(h->topic == "phoenix");
    std::string deep = R"(["1","2","lobby","x",)" + std::string(200000, '[');
    auto d = peek_head(deep);
    REQUIRE(d);
    CHECK(d->ref == "2");
  }
  SECTION("refs may be numbers, as decode reads them; escapes are decoded") {
    auto h = peek_head(R"([5, 18446744073709551615, "lob\u0062y"])");
    REQUIRE(h);
    CHECK(h->join_ref == "5");
    CHECK(h->ref == "18446744073709551615");
    CHECK(h->topic == "lobby");
  }
  SECTION("a topic of the wrong type keeps the refs, with no topic") {
    auto h = peek_head(R"(["1","2",{"x":1},"e",{}])");
    REQUIRE(h);
    CHECK(h->ref == "2");
    CHECK(h->topic.empty());
  }
  SECTION("no usable refs: nothing") {
    CHECK_FALSE(peek_head(""));
    CHECK_FALSE(peek_head("not json"));
    CHECK_FALSE(peek_head(R"({"ref":"2"})"));
    CHECK_FALSE(peek_head(R"(["1"])"));
    CHECK_FALSE(peek_head(R"([["1"],"2","lobby"])"));
    CHECK_FALSE(peek_head(R"(["1",true,"lobby"])"));
    CHECK_FALSE(peek_head(R"(["1",2.5,"lobby"])"));
  }
  SECTION("it agrees with decode on every frame decode can answer") {
    for (std::string_view text :
         {R"(["1","2","lobby","phx_join",{}])",
          R"([null,"3","game:QQQQ","move",{"cell":1}])",
          R"(["1","2","lobby","phx_join"])", R"([7,8,"t","e",[]])"}) {
      auto h = peek_head(text);
      auto d = decode(text);
      REQUIRE(h);
      if (auto* f = std::get_if<frame>(&d)) {
        CHECK(h->ref == f->ref);
        CHECK(h->join_ref == f->join_ref);
        CHECK(h->topic == f->topic);
      } else {
        auto& e = std::get<decode_error>(d);
        CHECK(h->ref == e.ref);
        CHECK(h->join_ref == e.join_ref);
        CHECK(h->topic == e.topic);
      }
    }
  }
}

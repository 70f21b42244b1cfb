#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parlor::gateway {

/// Decodes `%XX` escapes and `+` (as space). None for a broken escape.
std::optional<std::string> url_decode(std::string_view in);

/// Splits a request target into its path and decoded query parameters.
/// Parameters that fail to decode are left out.
std::pair<std::string, std::map<std::string, std::string>>
split_target(std::string_view target);

/// The display name `raw` as players will see it, or none if it is not
/// one: valid UTF-8 without control characters, with the invisible
/// formatting characters that could disguise it (bidirectional overrides,
/// embeddings, isolates and marks, zero-width spaces, word joiners, soft
/// hyphens, byte-order marks) removed, then 1–32 code points of which at
/// least one is visible (not a space and not a zero-width joiner).
std::optional<std::string> clean_name(std::string_view raw);

/// The MIME type for a file name's extension.
std::string_view content_type_for(std::string_view file_name);

/// Whether `path` is a game link, `/g/` plus four ASCII letters.
bool is_game_path(std::string_view path);

/// Whether a WebSocket upgrade from a page of `origin` (its `Origin`
/// header) to a node reached as `host` (its `Host` header) is allowed
/// (contract §9). With `allowed` empty: an origin whose host and port are
/// `host`'s, or `localhost`, `127.0.0.1` or `[::1]` on any port. Otherwise
/// exactly the origins listed (scheme, host and port, case aside). `null`
/// and malformed origins never are.
bool origin_allowed(std::string_view origin, std::string_view host,
                    const std::vector<std::string>& allowed);

/// Whether `origin` is `http://HOST[:PORT]` or `https://HOST[:PORT]`, as a
/// browser sends it and `--allowed-origins` takes it.
bool valid_origin(std::string_view origin);

} // namespace parlor::gateway

#pragma once
// What a listening socket's bound address admits (portwarden/inventory.hpp).
#include <cstdint>
#include <optional>
#include <string_view>

namespace portwarden {

// Any local address, one address, or loopback only (127.0.0.0/8, ::1, ::ffff:127.0.0.0/104,
// or a socket bound to the loopback device).
enum class BindKind : std::uint8_t { wildcard, specific, loopback };
std::string_view to_string(BindKind k);  // "wildcard", "specific", "loopback"
std::optional<BindKind> parse_bind_kind(std::string_view text);

}  // namespace portwarden

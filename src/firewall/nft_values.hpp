#pragma once
// Values of nft's JSON (libnftables-json(5)) as the model's atoms and elements.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "portwarden/firewall.hpp"

namespace portwarden::firewall::nft {

using Json = nlohmann::json;

// One element: a number, an address, a name, a range, a prefix, a concatenation, or a set's
// {"elem": {"val": ...}} wrapper.
Result<Element> element(const Json& v);
// A match's right-hand side: one element, an anonymous {"set": [...]}, or a list (ct states).
Result<std::vector<Element>> elements(const Json& v);
std::optional<std::uint64_t> protocol_number(std::string_view name);  // "tcp" -> 6
std::optional<std::uint64_t> tcp_flag_bits(std::string_view name);    // "syn" -> 0x02
Result<std::uint64_t> flag_value(const Json& v);                       // "syn", ["fin","syn"], 18
// A value as JSON text for a message. Strings from an iptables-save file are not checked for
// UTF-8, so bytes that are not UTF-8 are replaced (nlohmann's plain dump() throws on them).
inline std::string text_of(const Json& v) { return v.dump(-1, ' ', false, Json::error_handler_t::replace); }

}  // namespace portwarden::firewall::nft

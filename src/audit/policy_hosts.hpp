#pragma once
// Host entries of a policy group: parsing ("198.18.1.10", "198.18.4.0/24", "fd00::/120",
// "db.internal"), matching scan results, and overlap between groups.
#include <optional>
#include <string>
#include <string_view>

#include "portwarden/audit.hpp"
#include "portwarden/error.hpp"

namespace portwarden::audit::detail {

// Parses one entry; errors say what is wrong with it (no position: the caller adds it).
Result<HostSpec> parse_host_spec(std::string_view text);

// Whether the spec covers this scanned host (an address in the block, or the name given).
bool covers(const HostSpec& spec, const HostResult& host);

// A description of the overlap of two entries ("198.18.1.10 is in 198.18.1.0/24"), or nullopt.
std::optional<std::string> overlap(const HostSpec& a, const HostSpec& b);

}  // namespace portwarden::audit::detail

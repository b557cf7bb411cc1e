#pragma once
// Parses one target spec (IPv4 literal/CIDR/octet ranges, IPv6 literal/CIDR, host name,
// host name with a prefix) into address intervals.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "portwarden/address.hpp"
#include "portwarden/error.hpp"
#include "portwarden/targets.hpp"

namespace portwarden::detail {

struct ParsedSpec {
    std::vector<TargetSet::Interval> intervals;
    std::optional<std::string> hostname;  // set when the spec named a host
    Address host_address;                 // the address it resolved to (first one)
};

Result<ParsedSpec> parse_target_spec(std::string_view spec, const TargetParseOptions& options);

}  // namespace portwarden::detail

#pragma once
// nmap's IPv4 octet-range syntax: each of the four octets is a comma-separated list of
// N, N-M, -M (0-M), N- (N-255), - or * (0-255). "198.18.0-1.1-20", "198.18.1,3.5".
#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "portwarden/error.hpp"
#include "portwarden/targets.hpp"

namespace portwarden::detail {

struct OctetRun {
    std::uint8_t first = 0;
    std::uint8_t last = 0;  // inclusive
};

struct Ipv4Pattern {
    std::array<std::vector<OctetRun>, 4> octets;  // each sorted and merged

    bool is_single_address() const;
    std::uint64_t count() const;
    // How many intervals expand() returns, without expanding.
    std::uint64_t interval_count() const;
    // One interval per run of the last octet that is not 0-255 (so a /8 is one interval).
    std::vector<TargetSet::Interval> expand() const;

private:
    std::size_t last_partial() const;
};

// The error message is the reason only ("octet 300 is out of range 0-255").
Result<Ipv4Pattern> parse_ipv4_pattern(std::string_view text);

}  // namespace portwarden::detail

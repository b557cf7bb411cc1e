#pragma once
// Compact port storage (schema 2): per (scan, host, proto) the set of ports scanned, as a range
// list ("1-1000,8080"), and a default observation — the most common (state, reason) among the
// ports that are not open, with the TTL and responder most common among those. Only the ports
// that differ from the default, and every open port, are rows of their own.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "portwarden/address.hpp"
#include "portwarden/error.hpp"
#include "portwarden/results.hpp"

namespace portwarden::history {

struct PortRange {
    std::uint16_t first = 0;
    std::uint16_t last = 0;
    friend bool operator==(const PortRange&, const PortRange&) = default;
};

// "1-1000,8080" from sorted, unique ports; "" for none.
std::string format_ranges(std::span<const PortResult> sorted_ports);
// The ranges of a list format_ranges() wrote (ascending, disjoint); an error names the text.
Result<std::vector<PortRange>> parse_ranges(std::string_view text);
bool contains(std::span<const PortRange> ranges, std::uint16_t port);

// What a port of the set is unless it has a row of its own.
struct PortDefault {
    PortState state = PortState::closed;
    Reason reason = Reason::unknown;
    std::optional<std::uint8_t> ttl;
    std::optional<Address> responder;
};

// The default of one host's ports of one protocol; none when every port is open. Ties go to
// the smallest (state, reason) and (ttl, responder), so the choice does not depend on order.
std::optional<PortDefault> choose_default(std::span<const PortResult> ports);
// True when `port` needs no row of its own under `def` (rtt_us is not kept for those).
bool covered_by_default(const PortResult& port, const std::optional<PortDefault>& def);
// The port as load_scan() gives back a port without a row.
PortResult expand_default(Proto proto, std::uint16_t port, const PortDefault& def);

}  // namespace portwarden::history

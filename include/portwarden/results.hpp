#pragma once
// Results of a scan, as engines hand them to writers and library callers.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "portwarden/address.hpp"
#include "portwarden/responder.hpp"
#include "portwarden/state.hpp"

namespace portwarden {

struct PortResult {
    Proto proto = Proto::tcp;
    std::uint16_t port = 0;
    PortState state = PortState::filtered;
    Reason reason = Reason::unknown;
    std::optional<std::uint8_t> reason_ttl;   // TTL of the deciding reply, when known
    std::optional<Address> reason_ip;         // set when the reply came from another address
    std::optional<std::uint32_t> rtt_us;      // probe round trip, when a reply came
};

enum class HostState : std::uint8_t { up, down, unknown };
std::string_view to_string(HostState s);

// One hop of a --traceroute path: the router (or the target) that answered a probe sent
// with this TTL, or none when nothing answered at that TTL.
struct TraceHop {
    std::uint8_t ttl = 0;
    std::optional<Address> address;
    std::uint32_t rtt_us = 0;
};

struct HostResult {
    Address address;
    std::string hostname;  // as the user gave it, if a name was given
    std::string ptr_name;  // reverse DNS name (-R), if one was found
    HostState state = HostState::unknown;
    Reason reason = Reason::unknown;  // what proved it up (syn-ack, conn-refused, user-set, ...)
    std::optional<std::uint8_t> reason_ttl;  // TTL of the reply that proved it up
    std::vector<PortResult> ports;    // sorted by (proto, port)
    std::chrono::system_clock::time_point start_time;
    std::chrono::system_clock::time_point end_time;
    std::optional<std::uint32_t> srtt_us;  // smoothed RTT estimate at the end
    // Set when the host's ICMP rate limit was detected: its interval as measured (raw UDP scans).
    std::optional<std::uint32_t> rate_limit_interval_us;
    bool complete = true;  // false: the scan stopped before every port of this host was settled
    // Routers between us and the host, inferred from reason_ttl: the initial TTL is the smallest
    // of 32, 64, 128, 255 not below it. nmap's "Network Distance" (XML <distance>) is this + 1.
    std::optional<std::uint8_t> hops;
    std::vector<TraceHop> trace;  // --traceroute: TTL 1 upward, ending at the host itself
    std::string trace_proto;      // the probe the trace used: "tcp", "udp" or "icmp"
    std::uint16_t trace_port = 0; // its port (tcp/udp)
    // Raw port scans: who really answered (forged replies, port-spoofers, filtering devices).
    std::optional<ResponderReport> responder;
};

// The routers between us and a host whose reply arrived with `ttl` (see HostResult::hops).
std::uint8_t hops_from_ttl(std::uint8_t ttl);

}  // namespace portwarden

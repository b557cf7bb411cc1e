#pragma once
// The port-state classifier: a pure function of (technique, response) -> (state, reason).
// Every engine (connect, raw) classifies through this table and nothing else.
#include <cstdint>
#include <optional>
#include <string_view>

#include "portwarden/state.hpp"

namespace portwarden {

// icmp_echo and icmp_timestamp are host-discovery pings (nmap -PE, -PP): they probe no port,
// so a port scan with them is an error (see is_ping_technique).
enum class Technique : std::uint8_t {
    connect, syn, ack, window, fin, null, xmas, maimon, udp, icmp_echo, icmp_timestamp
};
inline constexpr int technique_count = 11;
// "connect", "syn", ... (nmap XML scaninfo type); "icmp-echo", "icmp-timestamp" for the pings.
std::string_view to_string(Technique t);

// True for the discovery-only techniques (no ports): icmp_echo, icmp_timestamp.
constexpr bool is_ping_technique(Technique t) {
    return t == Technique::icmp_echo || t == Technique::icmp_timestamp;
}

enum class ResponseKind : std::uint8_t {
    none,       // no reply after all retries
    syn_ack,    // TCP SYN+ACK (connect: the handshake completed)
    syn,        // bare SYN (split handshake)
    rst,        // TCP RST (connect: ECONNREFUSED without an ICMP error)
    udp_reply,  // any UDP datagram back from the probed port
    icmp,       // an ICMP / ICMPv6 error quoting our probe
    echo_reply,       // ICMP echo reply (v4 type 0, v6 type 129) to our echo request
    timestamp_reply,  // ICMPv4 timestamp reply (type 14) to our timestamp request
};

enum class IcmpVersion : std::uint8_t { v4, v6 };

struct Response {
    ResponseKind kind = ResponseKind::none;
    std::uint16_t tcp_window = 0;  // window of a RST (Window scan)
    IcmpVersion icmp_version = IcmpVersion::v4;
    std::uint8_t icmp_type = 0;
    std::uint8_t icmp_code = 0;
    bool from_target = true;  // the reply's source address is the scanned address
};

// For the ping techniques the verdict speaks of the host, not a port: `state` is unused (open
// for an echo/timestamp reply, else filtered), `host_up` and `reason` carry the answer.
struct Verdict {
    // false: this reply does not settle the port (e.g. an ICMP code nmap ignores); keep waiting.
    bool resolved = false;
    PortState state = PortState::filtered;
    Reason reason = Reason::unknown;
    // The reply proves the host is alive ("a RST proves the host is up").
    bool host_up = false;

    friend bool operator==(const Verdict&, const Verdict&) = default;
};

Verdict classify(Technique technique, const Response& response);

// connect() outcome (0 = success, else an errno from SO_ERROR) when no ICMP detail is known.
// Unknown or local errors (EADDRNOTAVAIL, ENOBUFS, ...) give resolved=false: retry, don't guess.
Verdict classify_connect_errno(int err);

}  // namespace portwarden

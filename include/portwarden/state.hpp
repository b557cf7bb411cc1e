#pragma once
// Port states and reasons, in nmap's vocabulary (docs: refguide "port states", portreasons.cc).
#include <cstdint>
#include <optional>
#include <string_view>

namespace portwarden {

enum class Proto : std::uint8_t { tcp, udp };

enum class PortState : std::uint8_t {
    open,
    closed,
    filtered,
    unfiltered,
    open_filtered,
    closed_filtered,
};
inline constexpr int port_state_count = 6;

enum class Reason : std::uint8_t {
    unknown,  // not yet decided
    syn_ack,
    split_handshake_syn,
    reset,
    conn_refused,
    no_response,
    udp_response,
    proto_response,
    perm_denied,
    net_unreach,
    host_unreach,
    proto_unreach,
    port_unreach,
    dest_unreach,
    source_quench,
    net_prohibited,
    host_prohibited,
    admin_prohibited,
    time_exceeded,
    param_problem,
    no_route,
    beyond_scope,
    reject_route,
    echo_reply,
    timestamp_reply,
    arp_response,
    nd_response,
    localhost_response,
    user_set,
    rate_limited,  // portwarden: the host's ICMP rate limit left the port unconfirmed (time budget hit)
};
inline constexpr int reason_count = 30;

std::string_view to_string(Proto p);
std::string_view to_string(PortState s);     // "open", "open|filtered", ...
std::string_view to_string(Reason r);        // "syn-ack", "conn-refused", ...
std::string_view reason_plural(Reason r);    // "resets", "no-responses", ... (nmap's "Not shown" line)
std::optional<Proto> parse_proto(std::string_view text);
std::optional<PortState> parse_port_state(std::string_view text);
std::optional<Reason> parse_reason(std::string_view text);

}  // namespace portwarden

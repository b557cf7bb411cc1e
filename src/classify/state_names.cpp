// Names of states and reasons: nmap's exact strings (portreasons.cc reason_map, refguide).
#include <array>
#include <string_view>

#include "portwarden/classify.hpp"
#include "portwarden/results.hpp"
#include "portwarden/state.hpp"

namespace portwarden {
namespace {

struct ReasonName {
    Reason reason;
    std::string_view singular;
    std::string_view plural;
};

constexpr std::array<ReasonName, reason_count> reason_names{{
    {Reason::unknown, "unknown-response", "unknown-responses"},
    {Reason::syn_ack, "syn-ack", "syn-acks"},
    {Reason::split_handshake_syn, "split-handshake-syn", "split-handshake-syns"},
    {Reason::reset, "reset", "resets"},
    {Reason::conn_refused, "conn-refused", "conn-refused"},
    {Reason::no_response, "no-response", "no-responses"},
    {Reason::udp_response, "udp-response", "udp-responses"},
    {Reason::proto_response, "proto-response", "proto-responses"},
    {Reason::perm_denied, "perm-denied", "perm-denieds"},
    {Reason::net_unreach, "net-unreach", "net-unreaches"},
    {Reason::host_unreach, "host-unreach", "host-unreaches"},
    {Reason::proto_unreach, "proto-unreach", "proto-unreaches"},
    {Reason::port_unreach, "port-unreach", "port-unreaches"},
    {Reason::dest_unreach, "dest-unreach", "dest-unreaches"},
    {Reason::source_quench, "source-quench", "source-quenches"},
    {Reason::net_prohibited, "net-prohibited", "net-prohibiteds"},
    {Reason::host_prohibited, "host-prohibited", "host-prohibiteds"},
    {Reason::admin_prohibited, "admin-prohibited", "admin-prohibiteds"},
    {Reason::time_exceeded, "time-exceeded", "time-exceededs"},
    {Reason::param_problem, "param-problem", "param-problems"},
    {Reason::no_route, "no-route", "no-routes"},
    {Reason::beyond_scope, "beyond-scope", "beyond-scopes"},
    {Reason::reject_route, "reject-route", "reject-routes"},
    {Reason::echo_reply, "echo-reply", "echo-replies"},
    {Reason::timestamp_reply, "timestamp-reply", "timestamp-replies"},
    {Reason::arp_response, "arp-response", "arp-responses"},
    {Reason::nd_response, "nd-response", "nd-responses"},
    {Reason::localhost_response, "localhost-response", "localhost-responses"},
    {Reason::user_set, "user-set", "user-sets"},
    {Reason::rate_limited, "rate-limited", "rate-limited"},
}};

constexpr std::array<std::string_view, port_state_count> state_names{
    "open", "closed", "filtered", "unfiltered", "open|filtered", "closed|filtered"};

constexpr std::array<std::string_view, technique_count> technique_names{
    "connect", "syn", "ack", "window", "fin", "null", "xmas", "maimon", "udp", "icmp-echo",
    "icmp-timestamp"};

const ReasonName& entry(Reason r) {
    return reason_names.at(static_cast<std::size_t>(r));
}

}  // namespace

std::string_view to_string(Proto p) { return p == Proto::tcp ? "tcp" : "udp"; }
std::string_view to_string(PortState s) { return state_names.at(static_cast<std::size_t>(s)); }
std::string_view to_string(Reason r) { return entry(r).singular; }
std::string_view reason_plural(Reason r) { return entry(r).plural; }
std::string_view to_string(Technique t) { return technique_names.at(static_cast<std::size_t>(t)); }

std::string_view to_string(HostState s) {
    switch (s) {
        case HostState::up: return "up";
        case HostState::down: return "down";
        case HostState::unknown: break;
    }
    return "unknown";
}

std::optional<Proto> parse_proto(std::string_view text) {
    if (text == "tcp") { return Proto::tcp; }
    if (text == "udp") { return Proto::udp; }
    return std::nullopt;
}

std::optional<PortState> parse_port_state(std::string_view text) {
    for (std::size_t i = 0; i < state_names.size(); ++i) {
        if (state_names.at(i) == text) { return static_cast<PortState>(i); }
    }
    return std::nullopt;
}

std::optional<Reason> parse_reason(std::string_view text) {
    for (const auto& n : reason_names) {
        if (n.singular == text || n.plural == text) { return n.reason; }
    }
    return std::nullopt;
}

}  // namespace portwarden

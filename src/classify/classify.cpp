// The port-state table: (technique, response) -> verdict, nmap 7.93 behaviour
// (scan_engine_raw.cc get_pcap_result, scan_engine_connect.cc). See classify.hpp.
//
// Decisions where nmap is silent or the reply cannot be interpreted:
// - An unresolved verdict is always Verdict{} (resolved=false, host_up=false): the reply is
//   ignored as a whole, as nmap drops it before any bookkeeping.
// - TCP flags a technique does not expect (SYN-ACK or bare SYN to ACK/Window/FIN/NULL/Xmas/
//   Maimon, bare SYN to connect) are ignored like nmap's "unexpected TCP flags"; any RST is
//   interpreted (for ACK: unfiltered).
// - TCP, UDP, echo or timestamp replies from another address than the target cannot belong to
//   a validated probe: ignored. For `none`, from_target has no meaning and is not looked at.
// - ICMPv4: only type 3 (known codes) and type 11 settle a probe. ICMPv6: type 1 codes 0..6,
//   type 3 (time exceeded, as v4 type 11; nmap 7.93 ignores it) and type 4 codes 0..1 (nmap
//   knows no other codes; nmap calls 4/0 "open" even outside -sO, we say filtered).
// - host_up from ICMP (port probes): only a port or protocol unreachable sent by the target
//   itself. ICMPv6 has no protocol-unreachable code: its equivalent is parameter problem code 1
//   ("unrecognized Next Header", RFC 4443 3.4), which therefore also proves the target up when
//   it sent it.
// - Pings (icmp_echo, icmp_timestamp; nmap -PE/-PP, scan_engine_raw.cc get_ping_pcap_result):
//   the verdict is about the host and its state is unused (open for a reply, else filtered).
//   The matching reply from the target proves it up; any ICMP error the table knows settles the
//   ping, and proves the host up only when the target itself sent it (a router's error is a
//   hint, host_up=false). TCP/UDP kinds and the other ping's reply are ignored, as are echo and
//   timestamp replies to port probes.
#include <cerrno>
#include <optional>

#include "portwarden/classify.hpp"

namespace portwarden {
namespace {

constexpr Verdict unresolved{};

constexpr Verdict settled(PortState state, Reason reason, bool host_up) {
    return Verdict{.resolved = true, .state = state, .reason = reason, .host_up = host_up};
}

// What an ICMP error says, before the technique is taken into account.
struct IcmpMeaning {
    Reason reason = Reason::unknown;
    bool proves_alive = false;  // when the target itself sent it
};

std::optional<IcmpMeaning> icmp_v4_meaning(std::uint8_t type, std::uint8_t code) {
    if (type == 11) {
        return IcmpMeaning{Reason::time_exceeded, false};
    }
    if (type != 3) {
        return std::nullopt;
    }
    switch (code) {
        case 0: return IcmpMeaning{Reason::net_unreach, false};
        case 1: return IcmpMeaning{Reason::host_unreach, false};
        case 2: return IcmpMeaning{Reason::proto_unreach, true};
        case 3: return IcmpMeaning{Reason::port_unreach, true};
        case 9: return IcmpMeaning{Reason::net_prohibited, false};
        case 10: return IcmpMeaning{Reason::host_prohibited, false};
        case 13: return IcmpMeaning{Reason::admin_prohibited, false};
        default: return std::nullopt;  // nmap logs "unexpected ICMP" and lets the probe time out
    }
}

std::optional<IcmpMeaning> icmp_v6_unreach_meaning(std::uint8_t code) {
    switch (code) {
        case 0: return IcmpMeaning{Reason::no_route, false};
        case 1: return IcmpMeaning{Reason::admin_prohibited, false};
        case 2: return IcmpMeaning{Reason::beyond_scope, false};
        case 3: return IcmpMeaning{Reason::host_unreach, false};
        case 4: return IcmpMeaning{Reason::port_unreach, true};
        case 5: return IcmpMeaning{Reason::admin_prohibited, false};  // ingress/egress policy
        case 6: return IcmpMeaning{Reason::reject_route, false};
        default: return std::nullopt;
    }
}

std::optional<IcmpMeaning> icmp_v6_meaning(std::uint8_t type, std::uint8_t code) {
    switch (type) {
        case 1: return icmp_v6_unreach_meaning(code);
        case 3: return IcmpMeaning{Reason::time_exceeded, false};
        case 4:
            if (code > 1) {
                return std::nullopt;
            }
            return IcmpMeaning{Reason::param_problem, code == 1};
        default: return std::nullopt;
    }
}

Verdict classify_icmp(Technique technique, const Response& response) {
    const auto meaning = response.icmp_version == IcmpVersion::v4
                             ? icmp_v4_meaning(response.icmp_type, response.icmp_code)
                             : icmp_v6_meaning(response.icmp_type, response.icmp_code);
    if (!meaning) {
        return unresolved;
    }
    const bool host_up =
        response.from_target && (meaning->proves_alive || is_ping_technique(technique));
    const bool closed = meaning->reason == Reason::port_unreach && technique == Technique::udp &&
                        response.from_target;
    return settled(closed ? PortState::closed : PortState::filtered, meaning->reason, host_up);
}

Verdict classify_none(Technique technique) {
    switch (technique) {
        case Technique::fin:
        case Technique::null:
        case Technique::xmas:
        case Technique::maimon:
        case Technique::udp: return settled(PortState::open_filtered, Reason::no_response, false);
        case Technique::connect:
        case Technique::syn:
        case Technique::ack:
        case Technique::window:
        case Technique::icmp_echo:
        case Technique::icmp_timestamp: break;
    }
    return settled(PortState::filtered, Reason::no_response, false);
}

Verdict classify_rst(Technique technique, std::uint16_t window) {
    switch (technique) {
        case Technique::udp:
        case Technique::icmp_echo:
        case Technique::icmp_timestamp: return unresolved;
        case Technique::connect: return settled(PortState::closed, Reason::conn_refused, true);
        case Technique::ack: return settled(PortState::unfiltered, Reason::reset, true);
        case Technique::window:
            return settled(window != 0 ? PortState::open : PortState::closed, Reason::reset, true);
        case Technique::syn:
        case Technique::fin:
        case Technique::null:
        case Technique::xmas:
        case Technique::maimon: break;
    }
    return settled(PortState::closed, Reason::reset, true);
}

// A reply the technique expects proves the port open and the host up; others are ignored.
constexpr Verdict open_if(bool expected, Reason reason) {
    return expected ? settled(PortState::open, reason, true) : unresolved;
}

Verdict classify_reply(Technique technique, const Response& response) {
    if (!response.from_target) {
        return unresolved;
    }
    switch (response.kind) {
        case ResponseKind::syn_ack:
            return open_if(technique == Technique::syn || technique == Technique::connect,
                           Reason::syn_ack);
        case ResponseKind::syn:
            return open_if(technique == Technique::syn, Reason::split_handshake_syn);
        case ResponseKind::rst: return classify_rst(technique, response.tcp_window);
        case ResponseKind::udp_reply:
            return open_if(technique == Technique::udp, Reason::udp_response);
        case ResponseKind::echo_reply:
            return open_if(technique == Technique::icmp_echo, Reason::echo_reply);
        case ResponseKind::timestamp_reply:
            return open_if(technique == Technique::icmp_timestamp, Reason::timestamp_reply);
        case ResponseKind::none:
        case ResponseKind::icmp: break;
    }
    return unresolved;
}

}  // namespace

Verdict classify(Technique technique, const Response& response) {
    switch (response.kind) {
        case ResponseKind::none: return classify_none(technique);
        case ResponseKind::icmp: return classify_icmp(technique, response);
        case ResponseKind::syn_ack:
        case ResponseKind::syn:
        case ResponseKind::rst:
        case ResponseKind::udp_reply:
        case ResponseKind::echo_reply:
        case ResponseKind::timestamp_reply: break;
    }
    return classify_reply(technique, response);
}

Verdict classify_connect_errno(int err) {
    switch (err) {
        case 0: return settled(PortState::open, Reason::syn_ack, true);
        case ECONNREFUSED: return settled(PortState::closed, Reason::conn_refused, true);
        case ETIMEDOUT:
        case EHOSTDOWN: return settled(PortState::filtered, Reason::no_response, false);
        case EHOSTUNREACH: return settled(PortState::filtered, Reason::host_unreach, false);
        case ENETUNREACH: return settled(PortState::filtered, Reason::net_unreach, false);
        case EACCES:
        case EPERM: return settled(PortState::filtered, Reason::admin_prohibited, false);
        case ENOPROTOOPT: return settled(PortState::filtered, Reason::proto_unreach, false);
        case ENONET: return settled(PortState::filtered, Reason::dest_unreach, false);
        default: return unresolved;  // local trouble (EADDRNOTAVAIL, ENOBUFS, ...): retry
    }
}

}  // namespace portwarden

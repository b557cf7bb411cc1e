#include "watch/contacts.hpp"

#include <bit>
#include <cmath>

#include "net/packet_view.hpp"

namespace portwarden::watch {

std::uint8_t discovery_bit(const Probe& p) {
    if (p.protocol == net::kProtoIcmp) {
        return p.icmp_type == net::kIcmpEchoRequest ? 1 : p.icmp_type == net::kIcmpTimestampRequest ? 2 : 0;
    }
    if (p.protocol != net::kProtoTcp) {
        return 0;
    }
    const auto flags = static_cast<std::uint8_t>(p.tcp_flags & (net::kTcpSyn | net::kTcpAck | net::kTcpRst | net::kTcpFin));
    if (flags == net::kTcpSyn && p.dst_port == 443) {
        return 4;
    }
    return flags == net::kTcpAck && p.dst_port == 80 ? 8 : 0;
}

std::uint16_t contact_port(const Probe& p) {
    return p.protocol == net::kProtoTcp || p.protocol == net::kProtoUdp ? p.dst_port : p.icmp_type;
}

std::uint16_t contact_index(const Address& host, std::uint8_t protocol, std::uint16_t port) {
    std::uint32_t h = hash_address(host) ^ std::uint32_t{protocol};
    h *= 0x9e3779b1U;
    return static_cast<std::uint16_t>(((h >> 16) + port) & 0xffffU);
}

Pending* find_pending(SourceState& s, std::uint32_t host_hash, std::uint8_t protocol, std::uint16_t port) {
    for (Pending& q : s.pending) {
        if (q.kind != PendingKind::none && q.host_hash == host_hash && q.protocol == protocol && q.port == port) {
            return &q;
        }
    }
    return nullptr;
}

namespace {

template <class E, std::size_t N>
E most_voted(const std::array<std::uint16_t, N>& votes) {
    std::size_t best = 0;
    for (std::size_t i = 1; i < N; ++i) {
        if (votes[i] > votes[best] || (best == 0 && votes[i] > 0)) {
            best = i;
        }
    }
    return votes[best] > 0 ? static_cast<E>(best) : E{};
}

}  // namespace

Alert make_alert(const SourceState& s, double now) {
    Alert a;
    a.src = s.src;
    a.dst = s.first_dst;
    a.technique = most_voted<Technique>(s.technique_votes);
    a.tool = most_voted<Tool>(s.tool_votes);
    a.first_seen = s.first_seen;
    a.time = now;
    a.probes = s.probes;
    a.ports = s.contacts;
    a.hosts = s.hosts.estimate();
    a.open = s.open;
    a.closed = s.closed;
    a.filtered = s.filtered;
    a.failures = s.failures;
    a.successes = s.successes;
    a.decided_by = s.decided_by.empty() ? kDecidedByWalk : s.decided_by;
    if (s.decided_by == kDecidedByDiscovery && !s.relabelled) {
        a.technique = Technique::ping_sweep;  // nmap -sn's probe set, and no scan seen after it yet
        a.tool = Tool::nmap;
    }
    return a;
}

}  // namespace portwarden::watch

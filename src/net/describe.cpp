#include "net/describe.hpp"

#include <array>

#include <fmt/format.h>

namespace portwarden::net {
namespace {

// nmap's flag letters, in its order: C(WR) E(CE) U(RG) A(CK) P(SH) R(ST) S(YN) F(IN).
std::string flag_letters(std::uint8_t flags) {
    struct Bit {
        std::uint8_t bit;
        char letter;
    };
    constexpr std::array<Bit, 8> bits{{{kTcpSyn, 'S'}, {kTcpFin, 'F'}, {kTcpRst, 'R'}, {kTcpPsh, 'P'},
                                       {kTcpAck, 'A'}, {kTcpUrg, 'U'}, {kTcpEce, 'E'}, {kTcpCwr, 'C'}}};
    std::string out;
    for (const Bit& b : bits) {
        if ((flags & b.bit) != 0) {
            out += b.letter;
        }
    }
    return out.empty() ? std::string("none") : out;
}

std::string endpoint(const Address& address, std::uint16_t port) {
    return address.is_v4() ? fmt::format("{}:{}", address.to_string(), port)
                           : fmt::format("[{}]:{}", address.to_string(), port);
}

}  // namespace

std::string describe_packet(const ParsedPacket& p) {
    const std::string ip = p.family == Family::v4
                               ? fmt::format("ttl={} id={} iplen={}", p.ttl, p.ip_id, p.l4_offset - p.ip_offset + p.l4_length)
                               : fmt::format("hlim={} payloadlen={}", p.ttl, p.l4_length);
    if (p.tcp) {
        return fmt::format("TCP {} > {} {} {} seq={} win={}", endpoint(p.src, p.tcp->src_port),
                           endpoint(p.dst, p.tcp->dst_port), flag_letters(p.tcp->flags), ip, p.tcp->seq,
                           p.tcp->window);
    }
    if (p.udp) {
        return fmt::format("UDP {} > {} {}", endpoint(p.src, p.udp->src_port), endpoint(p.dst, p.udp->dst_port), ip);
    }
    if (p.icmp) {
        return fmt::format("{} [{} > {} type={}/code={}] {}", p.family == Family::v4 ? "ICMP" : "ICMPv6",
                           p.src.to_string(), p.dst.to_string(), p.icmp->type, p.icmp->code, ip);
    }
    return fmt::format("IP {} > {} proto={} {}", p.src.to_string(), p.dst.to_string(), p.protocol, ip);
}

}  // namespace portwarden::net

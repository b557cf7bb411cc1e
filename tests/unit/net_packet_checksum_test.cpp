// checksums_ok: replies built by libtins (which fills every checksum in) verify; one flipped bit
// in a checksummed byte does not (issue #16 item 2: a bad-checksum reply must not set a state).
#include <gtest/gtest.h>
#include <tins/tins.h>

#include <cstdint>
#include <vector>

#include "net/packet_checksum.hpp"
#include "net/packet_view.hpp"

namespace portwarden::net {
namespace {

using Frame = std::vector<std::uint8_t>;

bool ok(const Frame& bytes) {
    const auto p = parse_frame(bytes, LinkType::raw_ip);
    EXPECT_TRUE(p.has_value());
    return p && checksums_ok(bytes, *p);
}

Frame flipped(Frame bytes, std::size_t at) {
    bytes.at(at) ^= 0x10;
    return bytes;
}

TEST(NetPacketChecksum, TcpAndUdpOverIpv4AndIpv6) {
    const Frame tcp4 = (Tins::IP("198.18.0.1", "198.18.1.2") / Tins::TCP(40000, 443)).serialize();
    const Frame udp4 = (Tins::IP("198.18.0.1", "198.18.1.2") / Tins::UDP(40000, 53) /
                        Tins::RawPDU(Frame{1, 2, 3})).serialize();
    const Frame tcp6 = (Tins::IPv6("fd00::1", "fd00::2") / Tins::TCP(40000, 443)).serialize();
    const Frame udp6 = (Tins::IPv6("fd00::1", "fd00::2") / Tins::UDP(40000, 53) /
                        Tins::RawPDU(Frame{1, 2, 3})).serialize();
    for (const Frame* f : {&tcp4, &udp4, &tcp6, &udp6}) {
        EXPECT_TRUE(ok(*f));
        EXPECT_FALSE(ok(flipped(*f, f->size() - 1)));  // the last L4 byte
    }
    EXPECT_FALSE(ok(flipped(tcp4, 12)));  // the source address: IPv4 header and pseudo-header
    EXPECT_FALSE(ok(flipped(tcp6, 8)));   // the source address: the pseudo-header
}

TEST(NetPacketChecksum, Ipv4UdpWithoutChecksumIsAccepted) {
    Frame udp4 = (Tins::IP("198.18.0.1", "198.18.1.2") / Tins::UDP(40000, 53)).serialize();
    udp4.at(26) = 0;
    udp4.at(27) = 0;  // "no checksum" (RFC 768)
    EXPECT_TRUE(ok(udp4));
}

TEST(NetPacketChecksum, IcmpErrorsQuotingAProbe) {
    const Frame probe = (Tins::IP("198.18.1.2", "198.18.0.1") / Tins::UDP(53, 40000)).serialize();
    Tins::ICMP unreach(Tins::ICMP::DEST_UNREACHABLE);
    unreach.code(3);
    const Frame icmp4 = (Tins::IP("198.18.0.1", "198.18.1.2") / unreach / Tins::RawPDU(probe)).serialize();
    EXPECT_TRUE(ok(icmp4));
    EXPECT_FALSE(ok(flipped(icmp4, icmp4.size() - 1)));
    const Frame probe6 = (Tins::IPv6("fd00::2", "fd00::1") / Tins::UDP(53, 40000)).serialize();
    Tins::ICMPv6 unreach6(Tins::ICMPv6::DEST_UNREACHABLE);
    unreach6.code(4);
    const Frame icmp6 = (Tins::IPv6("fd00::1", "fd00::2") / unreach6 / Tins::RawPDU(probe6)).serialize();
    EXPECT_TRUE(ok(icmp6));
    EXPECT_FALSE(ok(flipped(icmp6, icmp6.size() - 1)));
}

TEST(NetPacketChecksum, FirstFragmentsCannotBeVerified) {
    Tins::IP ip = Tins::IP("198.18.0.1", "198.18.1.2") / Tins::UDP(40000, 53) / Tins::RawPDU(Frame(16, 7));
    ip.flags(Tins::IP::MORE_FRAGMENTS);
    Frame bytes = ip.serialize();
    const auto p = parse_frame(bytes, LinkType::raw_ip);
    ASSERT_TRUE(p.has_value());
    EXPECT_TRUE(p->first_fragment);
    EXPECT_TRUE(checksums_ok(flipped(bytes, bytes.size() - 1), *p));  // L4 not verifiable
    EXPECT_FALSE(checksums_ok(flipped(bytes, 12), *p));                 // the IPv4 header is
}

}  // namespace
}  // namespace portwarden::net

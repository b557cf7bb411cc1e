// set_ip_ttl: TTL-limited probes (--traceroute) must equal what libtins serializes with that
// TTL (IPv4 header checksum included), for IPv4 and IPv6, behind an Ethernet header or not.
#include <gtest/gtest.h>
#include <tins/tins.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "net/ip_ttl.hpp"
#include "net/templates.hpp"

namespace portwarden::net {
namespace {

Address addr(const char* text) { return Address::parse(text).value(); }

std::vector<std::uint8_t> syn(const char* src, const char* dst) {
    TemplateConfig c;
    c.src = addr(src);
    c.protocol = kProtoTcp;
    c.tcp_flags = kTcpSyn;
    c.window = 1024;
    c.ttl = 64;
    const auto t = ProbeTemplate::make(c);
    EXPECT_TRUE(t.has_value());
    std::vector<std::uint8_t> buf(t->size());
    EXPECT_TRUE(t->write(buf));
    EXPECT_TRUE(t->patch(buf, addr(dst), 40000, 443, 0xdeadbeef, 0x1234));
    return buf;
}

TEST(NetIpTtl, Ipv4MatchesLibtins) {
    for (const unsigned t : {1U, 2U, 3U, 30U, 255U}) {
        const auto ttl = static_cast<std::uint8_t>(t);
        auto ours = syn("198.18.0.2", "198.18.5.1");
        ASSERT_TRUE(set_ip_ttl(ours, 0, ttl));
        Tins::IP ip = Tins::IP("198.18.5.1", "198.18.0.2") / Tins::TCP(443, 40000);
        ip.ttl(ttl);
        ip.id(0x1234);
        auto& tcp = ip.rfind_pdu<Tins::TCP>();
        tcp.flags(Tins::TCP::SYN);
        tcp.seq(0xdeadbeef);
        tcp.window(1024);
        EXPECT_EQ(ours, ip.serialize()) << int{ttl};
    }
}

TEST(NetIpTtl, Ipv6HopLimitBehindEthernet) {
    auto bare = syn("fd00:0:0:100::2", "fd00:0:0:50::1");
    std::vector<std::uint8_t> frame(14 + bare.size(), 0xee);
    std::copy(bare.begin(), bare.end(), frame.begin() + 14);
    ASSERT_TRUE(set_ip_ttl(frame, 14, 2));
    Tins::IPv6 ip = Tins::IPv6("fd00:0:0:50::1", "fd00:0:0:100::2") / Tins::TCP(443, 40000);
    ip.hop_limit(2);
    auto& tcp = ip.rfind_pdu<Tins::TCP>();
    tcp.flags(Tins::TCP::SYN);
    tcp.seq(0xdeadbeef);
    tcp.window(1024);
    const auto want = ip.serialize();
    EXPECT_EQ(std::vector<std::uint8_t>(frame.begin() + 14, frame.end()), want);
    EXPECT_EQ(std::vector<std::uint8_t>(frame.begin(), frame.begin() + 14), std::vector<std::uint8_t>(14, 0xee));
}

TEST(NetIpTtl, RejectsShortOrForeignFrames) {
    auto ok = syn("198.18.0.2", "198.18.5.1");
    for (std::size_t n = 0; n < 20; ++n) {
        std::vector<std::uint8_t> cut(ok.begin(), ok.begin() + static_cast<std::ptrdiff_t>(n));
        EXPECT_FALSE(set_ip_ttl(cut, 0, 5)) << n;
    }
    auto arp = std::vector<std::uint8_t>(42, 0);
    arp[0] = 0x00;  // version 0
    EXPECT_FALSE(set_ip_ttl(arp, 0, 5));
    EXPECT_FALSE(set_ip_ttl(ok, 14, 5));  // no IP header at that offset
}

}  // namespace
}  // namespace portwarden::net

// Golden-bytes tests: packets built by ProbeTemplate must equal, byte for byte, the same
// packets serialized by libtins (an independent implementation, checksums included).
#include <gtest/gtest.h>
#include <tins/tins.h>

#include <cstdint>
#include <vector>

#include "net/bytes.hpp"
#include "net/packet_view.hpp"
#include "net/templates.hpp"

namespace portwarden::net {
namespace {

Address addr(const char* text) { return Address::parse(text).value(); }

std::vector<std::uint8_t> build(const TemplateConfig& config, const Address& dst,
                                std::uint16_t sport, std::uint16_t dport, std::uint32_t seq,
                                std::uint16_t ip_id) {
    const auto t = ProbeTemplate::make(config);
    EXPECT_TRUE(t.has_value());
    if (!t) {
        return {};
    }
    std::vector<std::uint8_t> buf(t->size());
    EXPECT_TRUE(t->write(buf));
    EXPECT_TRUE(t->patch(buf, dst, sport, dport, seq, ip_id));
    return buf;
}

TemplateConfig tcp_syn_config(const char* src) {
    TemplateConfig c;
    c.src = addr(src);
    c.protocol = kProtoTcp;
    c.tcp_flags = kTcpSyn;
    c.tcp_options = tcp_option_mss(1460);
    c.window = 1024;
    c.ttl = 64;
    return c;
}

TEST(NetTemplate, Ipv4TcpSynWithMssMatchesLibtins) {
    const auto ours = build(tcp_syn_config("198.18.0.1"), addr("198.18.1.2"), 40000, 443,
                            0xdeadbeef, 0x1234);
    Tins::IP ip = Tins::IP("198.18.1.2", "198.18.0.1") / Tins::TCP(443, 40000);
    ip.ttl(64);
    ip.id(0x1234);
    auto& tcp = ip.rfind_pdu<Tins::TCP>();
    tcp.flags(Tins::TCP::SYN);
    tcp.seq(0xdeadbeef);
    tcp.window(1024);
    tcp.mss(1460);
    EXPECT_EQ(ours, ip.serialize());
    EXPECT_EQ(ours.size(), 44U);
}

TEST(NetTemplate, Ipv4DontFragmentAndOtherFlagsMatchLibtins) {
    auto config = tcp_syn_config("198.18.0.1");
    config.tcp_options.clear();
    config.tcp_flags = kTcpFin | kTcpPsh | kTcpUrg;
    config.dont_fragment = true;
    config.ttl = 255;
    config.window = 65535;
    const auto ours = build(config, addr("198.19.255.254"), 65535, 1, 0xffffffff, 0xffff);
    Tins::IP ip = Tins::IP("198.19.255.254", "198.18.0.1") / Tins::TCP(1, 65535);
    ip.ttl(255);
    ip.id(0xffff);
    ip.flags(Tins::IP::DONT_FRAGMENT);
    auto& tcp = ip.rfind_pdu<Tins::TCP>();
    tcp.flags(Tins::TCP::FIN | Tins::TCP::PSH | Tins::TCP::URG);
    tcp.seq(0xffffffff);
    tcp.window(65535);
    EXPECT_EQ(ours, ip.serialize());
}

TEST(NetTemplate, Ipv6TcpSynMatchesLibtins) {
    const auto ours =
        build(tcp_syn_config("fd00::1"), addr("fd00::beef:2"), 51000, 22, 0x01020304, 7);
    Tins::IPv6 ip = Tins::IPv6("fd00::beef:2", "fd00::1") / Tins::TCP(22, 51000);
    ip.hop_limit(64);
    auto& tcp = ip.rfind_pdu<Tins::TCP>();
    tcp.flags(Tins::TCP::SYN);
    tcp.seq(0x01020304);
    tcp.window(1024);
    tcp.mss(1460);
    EXPECT_EQ(ours, ip.serialize());
    EXPECT_EQ(ours.size(), 64U);
}

TEST(NetTemplate, Ipv4UdpWithPayloadMatchesLibtins) {
    TemplateConfig config;
    config.src = addr("198.18.0.1");
    config.protocol = kProtoUdp;
    config.ttl = 50;
    config.udp_payload = {'h', 'e', 'l', 'l', 'o', '!', 0x00, 0xff, 0x7f};  // odd length
    const auto ours = build(config, addr("198.18.7.9"), 33333, 53, 0, 0xabcd);
    Tins::IP ip = Tins::IP("198.18.7.9", "198.18.0.1") / Tins::UDP(53, 33333) /
                  Tins::RawPDU(config.udp_payload);
    ip.ttl(50);
    ip.id(0xabcd);
    EXPECT_EQ(ours, ip.serialize());
}

TEST(NetTemplate, Ipv6UdpMatchesLibtins) {
    TemplateConfig config;
    config.src = addr("fd00::10");
    config.protocol = kProtoUdp;
    config.ttl = 1;
    config.udp_payload = {0x01, 0x02, 0x03, 0x04};
    const auto ours = build(config, addr("fd12:3456::1"), 1024, 161, 0, 0);
    Tins::IPv6 ip = Tins::IPv6("fd12:3456::1", "fd00::10") / Tins::UDP(161, 1024) /
                    Tins::RawPDU(config.udp_payload);
    ip.hop_limit(1);
    EXPECT_EQ(ours, ip.serialize());
}

TEST(NetTemplate, EthernetFrameIsPaddedAndMatchesLibtins) {
    auto config = tcp_syn_config("198.18.0.1");
    config.ethernet = EthernetAddresses{{0x02, 0, 0, 0, 0, 0x01}, {0x02, 0, 0, 0, 0, 0x02}};
    const auto ours = build(config, addr("198.18.1.2"), 40000, 80, 42, 9);
    Tins::EthernetII eth = Tins::EthernetII("02:00:00:00:00:02", "02:00:00:00:00:01") /
                           Tins::IP("198.18.1.2", "198.18.0.1") / Tins::TCP(80, 40000);
    auto& ip = eth.rfind_pdu<Tins::IP>();
    ip.ttl(64);
    ip.id(9);
    auto& tcp = eth.rfind_pdu<Tins::TCP>();
    tcp.flags(Tins::TCP::SYN);
    tcp.seq(42);
    tcp.window(1024);
    tcp.mss(1460);
    EXPECT_EQ(ours, eth.serialize());
    EXPECT_EQ(ours.size(), 60U);
}

TEST(NetTemplate, RepatchingTheSameBufferEqualsAFreshBuild) {
    const auto config = tcp_syn_config("198.18.0.1");
    const auto t = ProbeTemplate::make(config).value();
    std::vector<std::uint8_t> buf(t.size());
    ASSERT_TRUE(t.write(buf));
    ASSERT_TRUE(t.patch(buf, addr("198.18.200.1"), 1, 2, 3, 4));
    ASSERT_TRUE(t.patch(buf, addr("198.18.1.2"), 40000, 443, 0xdeadbeef, 0x1234));
    EXPECT_EQ(buf, build(config, addr("198.18.1.2"), 40000, 443, 0xdeadbeef, 0x1234));
}

TEST(NetTemplate, ChecksumsVerifyAndLibtinsRoundTripsEveryPatch) {
    for (const char* src : {"198.18.0.1", "fd00::1"}) {
        for (std::uint8_t protocol : {kProtoTcp, kProtoUdp}) {
            TemplateConfig config;
            config.src = addr(src);
            config.protocol = protocol;
            if (protocol == kProtoUdp) {
                config.udp_payload = {1, 2, 3};
            }
            const Address dst = addr(config.src.is_v4() ? "198.19.0.77" : "fd00::77");
            const auto t = ProbeTemplate::make(config).value();
            std::vector<std::uint8_t> buf(t.size());
            ASSERT_TRUE(t.write(buf));
            for (std::uint32_t i = 0; i < 200; ++i) {
                const auto sport = static_cast<std::uint16_t>(i * 331U);
                const auto dport = static_cast<std::uint16_t>(i * 7919U);
                ASSERT_TRUE(t.patch(buf, dst, sport, dport, i * 2654435761U,
                                    static_cast<std::uint16_t>(i)));
                const ConstBytes all = buf;
                const ConstBytes segment = all.subspan(t.l4_offset());
                if (config.src.is_v4()) {
                    EXPECT_EQ(internet_checksum(all.first(20)), 0);
                }
                EXPECT_EQ(l4_checksum(config.src, dst, protocol, segment), 0);
                // libtins parses our bytes and re-serializes them with checksums it
                // recomputes itself: equal bytes mean our checksums are right.
                const auto size = static_cast<std::uint32_t>(buf.size());
                if (config.src.is_v4()) {
                    Tins::IP theirs(buf.data(), size);
                    EXPECT_EQ(theirs.serialize(), buf);
                } else {
                    Tins::IPv6 theirs(buf.data(), size);
                    EXPECT_EQ(theirs.serialize(), buf);
                }
                const auto parsed = parse_frame(buf, LinkType::raw_ip);
                ASSERT_TRUE(parsed.has_value());
                EXPECT_EQ(parsed->dst, dst);
                if (protocol == kProtoTcp) {
                    ASSERT_TRUE(parsed->tcp.has_value());
                    EXPECT_EQ(parsed->tcp->seq, i * 2654435761U);
                    EXPECT_EQ(parsed->tcp->dst_port, dport);
                } else {
                    ASSERT_TRUE(parsed->udp.has_value());
                    EXPECT_EQ(parsed->udp->src_port, sport);
                }
            }
        }
    }
}

TEST(NetTemplate, RejectsBadConfigAndBadPatchArguments) {
    auto config = tcp_syn_config("198.18.0.1");
    config.tcp_options = {2, 4, 5};
    EXPECT_FALSE(ProbeTemplate::make(config).has_value());
    config.tcp_options.assign(44, 1);
    EXPECT_FALSE(ProbeTemplate::make(config).has_value());
    config.tcp_options.clear();
    config.protocol = kProtoIcmp;
    EXPECT_FALSE(ProbeTemplate::make(config).has_value());
    config.protocol = kProtoUdp;
    config.udp_payload.assign(70000, 0);
    EXPECT_FALSE(ProbeTemplate::make(config).has_value());

    const auto t = ProbeTemplate::make(tcp_syn_config("198.18.0.1")).value();
    std::vector<std::uint8_t> small(t.size() - 1);
    EXPECT_FALSE(t.write(small));
    EXPECT_FALSE(t.patch(small, addr("198.18.1.1"), 1, 2, 3, 4));
    std::vector<std::uint8_t> buf(t.size());
    EXPECT_FALSE(t.patch(buf, addr("fd00::1"), 1, 2, 3, 4));
}

}  // namespace
}  // namespace portwarden::net

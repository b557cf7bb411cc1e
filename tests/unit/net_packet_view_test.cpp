// parse_frame on replies built by libtins: every field the scanner uses is checked.
#include <gtest/gtest.h>
#include <tins/tins.h>

#include <cstdint>
#include <vector>

#include "net/bytes.hpp"
#include "net/cookie.hpp"
#include "net/packet_view.hpp"
#include "net/templates.hpp"

namespace portwarden::net {
namespace {

Address addr(const char* text) { return Address::parse(text).value(); }

const SipKey kKey{0x0123456789abcdefULL, 0x0fedcba987654321ULL};

// Our SYN from `us`:40000 to `them`:443, seq = the cookie.
std::vector<std::uint8_t> our_syn(const char* us, const char* them) {
    TemplateConfig config;
    config.src = addr(us);
    config.tcp_options = tcp_option_mss(1460);
    const auto t = ProbeTemplate::make(config).value();
    std::vector<std::uint8_t> buf(t.size());
    EXPECT_TRUE(t.write(buf));
    const std::uint32_t cookie = syn_cookie(kKey, addr(us), addr(them), 40000, 443);
    EXPECT_TRUE(t.patch(buf, addr(them), 40000, 443, cookie, 0x77));
    return buf;
}

TEST(NetPacketView, Ipv4SynAckFromLibtins) {
    const std::uint32_t cookie =
        syn_cookie(kKey, addr("198.18.0.1"), addr("198.18.1.2"), 40000, 443);
    Tins::IP ip = Tins::IP("198.18.0.1", "198.18.1.2") / Tins::TCP(40000, 443);
    ip.ttl(57);
    ip.id(0x5555);
    auto& tcp = ip.rfind_pdu<Tins::TCP>();
    tcp.flags(Tins::TCP::SYN | Tins::TCP::ACK);
    tcp.seq(0x11223344);
    tcp.ack_seq(cookie + 1U);
    tcp.window(29200);
    tcp.mss(1400);
    tcp.sack_permitted();
    const auto bytes = ip.serialize();
    const auto p = parse_frame(bytes, LinkType::raw_ip);
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->family, Family::v4);
    EXPECT_EQ(p->src, addr("198.18.1.2"));
    EXPECT_EQ(p->dst, addr("198.18.0.1"));
    EXPECT_EQ(p->ttl, 57);
    EXPECT_EQ(p->ip_id, 0x5555);
    EXPECT_EQ(p->protocol, kProtoTcp);
    EXPECT_EQ(p->ip_offset, 0U);
    EXPECT_EQ(p->l4_offset, 20U);
    EXPECT_EQ(p->l4_length, bytes.size() - 20);
    ASSERT_TRUE(p->tcp.has_value());
    EXPECT_FALSE(p->udp.has_value());
    EXPECT_FALSE(p->icmp.has_value());
    EXPECT_EQ(p->tcp->src_port, 443);
    EXPECT_EQ(p->tcp->dst_port, 40000);
    EXPECT_EQ(p->tcp->seq, 0x11223344U);
    EXPECT_EQ(p->tcp->ack, cookie + 1U);
    EXPECT_EQ(p->tcp->flags, kTcpSyn | kTcpAck);
    EXPECT_EQ(p->tcp->window, 29200);
    EXPECT_EQ(p->tcp->header_length, tcp.header_size());
    EXPECT_EQ(p->payload_offset, 20 + tcp.header_size());
    EXPECT_EQ(p->payload_length, 0U);
    EXPECT_TRUE(tcp_reply_is_ours(kKey, *p));
}

// The options digest (responder analysis): the layout and MSS / window scale count, the
// timestamps' values do not; no options, no digest.
std::uint16_t digest_of(std::uint16_t mss, std::uint8_t wscale, std::uint32_t tsval, bool sack) {
    Tins::IP ip = Tins::IP("198.18.0.1", "198.18.1.2") / Tins::TCP(40000, 443);
    auto& tcp = ip.rfind_pdu<Tins::TCP>();
    tcp.flags(Tins::TCP::SYN | Tins::TCP::ACK);
    tcp.mss(mss);
    if (sack) {
        tcp.sack_permitted();
    }
    tcp.timestamp(tsval, 7);
    tcp.winscale(wscale);
    const auto bytes = ip.serialize();
    const auto p = parse_frame(bytes, LinkType::raw_ip);
    EXPECT_TRUE(p && p->tcp);
    return p && p->tcp ? p->tcp->options_digest : 0;
}

TEST(NetPacketView, TcpOptionsDigest) {
    const auto base = digest_of(1460, 7, 1000, true);
    EXPECT_NE(base, 0);
    EXPECT_EQ(digest_of(1460, 7, 99999, true), base);  // timestamps change per segment
    EXPECT_NE(digest_of(1400, 7, 1000, true), base);
    EXPECT_NE(digest_of(1460, 6, 1000, true), base);
    EXPECT_NE(digest_of(1460, 7, 1000, false), base);
    Tins::IP bare = Tins::IP("198.18.0.1", "198.18.1.2") / Tins::TCP(40000, 443);
    const auto bytes = bare.serialize();
    const auto p = parse_frame(bytes, LinkType::raw_ip);
    ASSERT_TRUE(p && p->tcp);
    EXPECT_EQ(p->tcp->options_digest, 0);
}

TEST(NetPacketView, Ipv6RstWithPayloadFromLibtins) {
    const std::uint32_t cookie = syn_cookie(kKey, addr("fd00::1"), addr("fd00::2"), 40000, 443);
    Tins::IPv6 ip = Tins::IPv6("fd00::1", "fd00::2") / Tins::TCP(40000, 443) /
                    Tins::RawPDU(std::vector<std::uint8_t>{'b', 'y', 'e'});
    ip.hop_limit(63);
    auto& tcp = ip.rfind_pdu<Tins::TCP>();
    tcp.flags(Tins::TCP::RST | Tins::TCP::ACK);
    tcp.ack_seq(cookie + 1U);
    tcp.window(0);
    const auto bytes = ip.serialize();
    const auto p = parse_frame(bytes, LinkType::raw_ip);
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->family, Family::v6);
    EXPECT_EQ(p->src, addr("fd00::2"));
    EXPECT_EQ(p->dst, addr("fd00::1"));
    EXPECT_EQ(p->ttl, 63);
    EXPECT_EQ(p->protocol, kProtoTcp);
    EXPECT_EQ(p->l4_offset, 40U);
    EXPECT_EQ(p->l4_length, 23U);
    ASSERT_TRUE(p->tcp.has_value());
    EXPECT_EQ(p->tcp->flags, kTcpRst | kTcpAck);
    EXPECT_EQ(p->tcp->window, 0);
    EXPECT_EQ(p->tcp->src_port, 443);
    EXPECT_EQ(p->tcp->dst_port, 40000);
    EXPECT_EQ(p->payload_offset, 60U);
    EXPECT_EQ(p->payload_length, 3U);
    EXPECT_EQ(load_u8(bytes, p->payload_offset), 'b');
    EXPECT_TRUE(tcp_reply_is_ours(kKey, *p));
}

TEST(NetPacketView, Ipv4UdpReplyFromLibtins) {
    Tins::IP ip = Tins::IP("198.18.0.1", "198.18.1.2") / Tins::UDP(40000, 53) /
                  Tins::RawPDU(std::vector<std::uint8_t>(13, 0xaa));
    ip.ttl(5);
    const auto bytes = ip.serialize();
    const auto p = parse_frame(bytes, LinkType::raw_ip);
    ASSERT_TRUE(p.has_value());
    ASSERT_TRUE(p->udp.has_value());
    EXPECT_EQ(p->udp->src_port, 53);
    EXPECT_EQ(p->udp->dst_port, 40000);
    EXPECT_EQ(p->udp->length, 21);
    EXPECT_EQ(p->payload_offset, 28U);
    EXPECT_EQ(p->payload_length, 13U);
    EXPECT_EQ(p->ttl, 5);
}

TEST(NetPacketView, IcmpPortUnreachableQuotingOurSyn) {
    const auto syn = our_syn("198.18.0.1", "198.18.1.2");
    for (const std::size_t quoted_bytes : {std::size_t{28}, syn.size()}) {
        const std::vector<std::uint8_t> quote(syn.begin(), syn.begin() + static_cast<long>(quoted_bytes));
        Tins::ICMP icmp(Tins::ICMP::DEST_UNREACHABLE);
        icmp.code(3);
        Tins::IP ip = Tins::IP("198.18.0.1", "198.18.1.2") / icmp / Tins::RawPDU(quote);
        ip.ttl(250);
        const auto bytes = ip.serialize();
        EXPECT_EQ(internet_checksum(ConstBytes(bytes).subspan(20)), 0);
        const auto p = parse_frame(bytes, LinkType::raw_ip);
        ASSERT_TRUE(p.has_value());
        EXPECT_EQ(p->protocol, kProtoIcmp);
        EXPECT_EQ(p->src, addr("198.18.1.2"));
        EXPECT_EQ(p->ttl, 250);
        ASSERT_TRUE(p->icmp.has_value());
        EXPECT_FALSE(p->tcp.has_value());
        EXPECT_EQ(p->icmp->type, 3);
        EXPECT_EQ(p->icmp->code, 3);
        EXPECT_EQ(p->payload_offset, 28U);
        ASSERT_TRUE(p->icmp->quoted.has_value());
        const QuotedPacket& q = *p->icmp->quoted;
        EXPECT_EQ(q.src, addr("198.18.0.1"));
        EXPECT_EQ(q.dst, addr("198.18.1.2"));
        EXPECT_EQ(q.protocol, kProtoTcp);
        EXPECT_EQ(q.src_port, 40000);
        EXPECT_EQ(q.dst_port, 443);
        EXPECT_EQ(q.tcp_seq, syn_cookie(kKey, q.src, q.dst, 40000, 443));
        EXPECT_EQ(q.l4_head[0], 40000 >> 8);
        EXPECT_TRUE(icmp_quote_is_ours(kKey, q));
    }
}

TEST(NetPacketView, IcmpTimeExceededQuotingUdp) {
    Tins::IP inner = Tins::IP("198.18.1.2", "198.18.0.1") / Tins::UDP(161, 40001) /
                     Tins::RawPDU(std::vector<std::uint8_t>(30, 1));
    Tins::ICMP icmp(Tins::ICMP::TIME_EXCEEDED);
    Tins::IP ip = Tins::IP("198.18.0.1", "198.18.0.254") / icmp / inner;
    const auto bytes = ip.serialize();
    const auto p = parse_frame(bytes, LinkType::raw_ip);
    ASSERT_TRUE(p.has_value());
    ASSERT_TRUE(p->icmp.has_value());
    EXPECT_EQ(p->icmp->type, 11);
    ASSERT_TRUE(p->icmp->quoted.has_value());
    EXPECT_EQ(p->icmp->quoted->protocol, kProtoUdp);
    EXPECT_EQ(p->icmp->quoted->src_port, 40001);
    EXPECT_EQ(p->icmp->quoted->dst_port, 161);
    EXPECT_FALSE(p->icmp->quoted->tcp_seq.has_value());
    EXPECT_FALSE(icmp_quote_is_ours(kKey, *p->icmp->quoted));
}

TEST(NetPacketView, IcmpEchoReplyHasNoQuote) {
    Tins::IP ip = Tins::IP("198.18.0.1", "198.18.1.2") / Tins::ICMP(Tins::ICMP::ECHO_REPLY);
    const auto p = parse_frame(ip.serialize(), LinkType::raw_ip);
    ASSERT_TRUE(p.has_value());
    ASSERT_TRUE(p->icmp.has_value());
    EXPECT_EQ(p->icmp->type, 0);
    EXPECT_FALSE(p->icmp->quoted.has_value());
}

TEST(NetPacketView, Icmpv6AdminProhibitedQuotingOurSyn) {
    const auto syn = our_syn("fd00::1", "fd00::2");
    Tins::ICMPv6 icmp(Tins::ICMPv6::DEST_UNREACHABLE);
    icmp.code(1);
    Tins::IPv6 ip = Tins::IPv6("fd00::1", "fd00::fe") / icmp / Tins::RawPDU(syn);
    ip.hop_limit(64);
    const auto bytes = ip.serialize();
    const auto p = parse_frame(bytes, LinkType::raw_ip);
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->family, Family::v6);
    EXPECT_EQ(p->protocol, kProtoIcmpv6);
    EXPECT_EQ(p->src, addr("fd00::fe"));
    EXPECT_EQ(l4_checksum(p->src, p->dst, kProtoIcmpv6, ConstBytes(bytes).subspan(40)), 0);
    ASSERT_TRUE(p->icmp.has_value());
    EXPECT_EQ(p->icmp->type, 1);
    EXPECT_EQ(p->icmp->code, 1);
    ASSERT_TRUE(p->icmp->quoted.has_value());
    const QuotedPacket& q = *p->icmp->quoted;
    EXPECT_EQ(q.src, addr("fd00::1"));
    EXPECT_EQ(q.dst, addr("fd00::2"));
    EXPECT_EQ(q.protocol, kProtoTcp);
    EXPECT_EQ(q.src_port, 40000);
    EXPECT_EQ(q.dst_port, 443);
    EXPECT_TRUE(icmp_quote_is_ours(kKey, q));
}

TEST(NetPacketView, EthernetWithVlanTagsAndPadding) {
    for (int tags = 0; tags <= 2; ++tags) {
        Tins::EthernetII eth("02:00:00:00:00:01", "02:00:00:00:00:02");
        Tins::IP ip = Tins::IP("198.18.0.1", "198.18.1.2") / Tins::TCP(40000, 443);
        ip.rfind_pdu<Tins::TCP>().flags(Tins::TCP::RST);
        ip.ttl(9);
        std::vector<std::uint8_t> bytes;
        if (tags == 0) {
            bytes = (eth / ip).serialize();
        } else if (tags == 1) {
            bytes = (eth / Tins::Dot1Q(100) / ip).serialize();
        } else {
            bytes = (eth / Tins::Dot1Q(100) / Tins::Dot1Q(200) / ip).serialize();
        }
        const std::size_t ip_start = 14 + 4 * static_cast<std::size_t>(tags);
        const auto p = parse_frame(bytes, LinkType::ethernet);
        ASSERT_TRUE(p.has_value()) << tags << " tags";
        EXPECT_EQ(p->ip_offset, ip_start);
        EXPECT_EQ(p->l4_offset, ip_start + 20);
        EXPECT_EQ(p->l4_length, 20U);  // link padding is not part of the segment
        EXPECT_EQ(p->ttl, 9);
        ASSERT_TRUE(p->tcp.has_value());
        EXPECT_EQ(p->tcp->flags, kTcpRst);
        EXPECT_EQ(p->tcp->src_port, 443);
        EXPECT_EQ(p->payload_length, 0U);
        // The same bytes as raw IP do not parse: they start with an Ethernet header.
        EXPECT_FALSE(parse_frame(bytes, LinkType::raw_ip).has_value());
    }
}

TEST(NetPacketView, EthernetIpv6AndUnknownL4) {
    Tins::EthernetII eth = Tins::EthernetII("02:00:00:00:00:01", "02:00:00:00:00:02") /
                           Tins::IPv6("fd00::1", "fd00::2") / Tins::UDP(40000, 53);
    const auto p = parse_frame(eth.serialize(), LinkType::ethernet);
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->family, Family::v6);
    EXPECT_EQ(p->ip_offset, 14U);
    ASSERT_TRUE(p->udp.has_value());
    EXPECT_EQ(p->udp->length, 8);

    Tins::IP gre = Tins::IP("198.18.0.1", "198.18.1.2") /
                   Tins::RawPDU(std::vector<std::uint8_t>{1, 2, 3, 4});
    gre.protocol(47);
    const auto q = parse_frame(gre.serialize(), LinkType::raw_ip);
    ASSERT_TRUE(q.has_value());
    EXPECT_EQ(q->protocol, 47);
    EXPECT_EQ(q->l4_length, 4U);
    EXPECT_FALSE(q->tcp || q->udp || q->icmp);
}

}  // namespace
}  // namespace portwarden::net

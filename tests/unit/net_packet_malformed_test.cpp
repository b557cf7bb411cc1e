// parse_frame on truncated, inconsistent and mutated input: it must return nullopt or a
// consistent result, never crash or read out of bounds (run under ASan to be sure).
#include <gtest/gtest.h>
#include <tins/tins.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "net/bytes.hpp"
#include "net/packet_view.hpp"
#include "net/templates.hpp"

namespace portwarden::net {
namespace {

using Bytes = std::vector<std::uint8_t>;

Address addr(const char* text) { return Address::parse(text).value(); }

Bytes syn(const char* us, const char* them) {
    TemplateConfig config;
    config.src = addr(us);
    config.tcp_options = tcp_option_mss(1460);
    const auto t = ProbeTemplate::make(config).value();
    Bytes buf(t.size());
    EXPECT_TRUE(t.write(buf));
    EXPECT_TRUE(t.patch(buf, addr(them), 40000, 443, 0xc0c0c0c0U, 1));
    return buf;
}

Bytes icmp_quoting(const Bytes& quote) {
    Tins::ICMP icmp(Tins::ICMP::DEST_UNREACHABLE);
    icmp.code(3);
    Tins::IP ip = Tins::IP("198.18.0.1", "198.18.1.2") / icmp / Tins::RawPDU(quote);
    return ip.serialize();
}

Bytes icmpv6_quoting(const Bytes& quote) {
    Tins::ICMPv6 icmp(Tins::ICMPv6::DEST_UNREACHABLE);
    icmp.code(1);
    Tins::IPv6 ip = Tins::IPv6("fd00::1", "fd00::fe") / icmp / Tins::RawPDU(quote);
    return ip.serialize();
}

Bytes prefix(const Bytes& bytes, std::size_t n) {
    return Bytes(bytes.begin(), bytes.begin() + static_cast<long>(n));
}

void set16(Bytes& bytes, std::size_t offset, std::uint16_t value) {
    ASSERT_TRUE(store_be16(bytes, offset, value));
}

void set8(Bytes& bytes, std::size_t offset, std::uint8_t value) {
    ASSERT_TRUE(store_u8(bytes, offset, value));
}

// Inserts an IPv6 extension header right after the fixed header of a raw IPv6 packet.
// `body` is the whole header; its first byte is overwritten with the chained next header.
Bytes insert_ext(const Bytes& packet, std::uint8_t type, Bytes body) {
    set8(body, 0, load_u8(packet, 6).value());
    Bytes out(packet.size() + body.size());  // copied, not insert(): GCC 12 -O3 warns (-Warray-bounds)
    std::copy(packet.begin(), packet.begin() + 40, out.begin());
    std::copy(body.begin(), body.end(), out.begin() + 40);
    std::copy(packet.begin() + 40, packet.end(), out.begin() + 40 + static_cast<std::ptrdiff_t>(body.size()));
    set8(out, 6, type);
    const std::uint16_t payload = load_be16(packet, 4).value();
    set16(out, 4, static_cast<std::uint16_t>(payload + body.size()));
    return out;
}

const Bytes kHopByHop = {0, 0, 1, 4, 0, 0, 0, 0};            // PadN
const Bytes kDestOptions16 = {0, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
Bytes fragment_header(std::uint16_t offset_units, bool more) {
    const auto field = static_cast<std::uint16_t>((offset_units << 3) | (more ? 1 : 0));
    return {0, 0, static_cast<std::uint8_t>(field >> 8), static_cast<std::uint8_t>(field), 0, 0, 0, 9};
}

// Every prefix parses to nullopt or to a result whose offsets stay inside the prefix and
// whose fields agree with the full parse.
void check_prefixes(const Bytes& frame, LinkType link) {
    const auto full = parse_frame(frame, link);
    ASSERT_TRUE(full.has_value());
    for (std::size_t n = 0; n < frame.size(); ++n) {
        const Bytes cut = prefix(frame, n);
        const auto p = parse_frame(cut, link);
        if (!p) {
            continue;
        }
        EXPECT_LE(p->l4_offset + p->l4_length, n) << "prefix " << n;
        EXPECT_LE(p->payload_offset + p->payload_length, n) << "prefix " << n;
        EXPECT_EQ(p->src, full->src);
        EXPECT_EQ(p->dst, full->dst);
        EXPECT_EQ(p->l4_length, full->l4_length);
        EXPECT_EQ(p->tcp.has_value(), full->tcp.has_value());
    }
}

TEST(NetPacketMalformed, EveryPrefixLengthIsSafe) {
    const Bytes v4 = syn("198.18.0.1", "198.18.1.2");
    const Bytes v6 = syn("fd00::1", "fd00::2");
    check_prefixes(v4, LinkType::raw_ip);
    check_prefixes(v6, LinkType::raw_ip);
    check_prefixes(icmp_quoting(v4), LinkType::raw_ip);
    check_prefixes(icmpv6_quoting(v6), LinkType::raw_ip);
    check_prefixes(insert_ext(insert_ext(v6, 44, fragment_header(0, true)), 0, kHopByHop),
                   LinkType::raw_ip);
    Tins::EthernetII eth = Tins::EthernetII("02:00:00:00:00:01", "02:00:00:00:00:02") /
                           Tins::Dot1Q(7) / Tins::IP("198.18.0.1", "198.18.1.2") /
                           Tins::UDP(1, 2);
    check_prefixes(eth.serialize(), LinkType::ethernet);
    // Raw IP prefixes shorter than the IP length never parse.
    for (std::size_t n = 0; n < v4.size(); ++n) {
        EXPECT_FALSE(parse_frame(prefix(v4, n), LinkType::raw_ip).has_value()) << n;
    }
}

TEST(NetPacketMalformed, Ipv4HeaderChecks) {
    const Bytes good = syn("198.18.0.1", "198.18.1.2");
    ASSERT_TRUE(parse_frame(good, LinkType::raw_ip).has_value());
    for (const std::uint8_t ihl_byte : Bytes{0x40, 0x44, 0x4f, 0x55, 0x65, 0x00}) {
        Bytes bad = good;
        set8(bad, 0, ihl_byte);
        EXPECT_FALSE(parse_frame(bad, LinkType::raw_ip).has_value()) << int{ihl_byte};
    }
    for (std::uint16_t total : {std::uint16_t{0}, std::uint16_t{19},
                                static_cast<std::uint16_t>(good.size() + 1), std::uint16_t{0xffff}}) {
        Bytes bad = good;
        set16(bad, 2, total);
        EXPECT_FALSE(parse_frame(bad, LinkType::raw_ip).has_value()) << total;
    }
    Bytes fragment = good;
    set16(fragment, 6, 0x0001);  // offset 8 bytes: not the first fragment
    EXPECT_FALSE(parse_frame(fragment, LinkType::raw_ip).has_value());
    set16(fragment, 6, 0x2000);  // MF, offset 0: the first fragment parses
    EXPECT_TRUE(parse_frame(fragment, LinkType::raw_ip).has_value());
    // A total length shorter than the buffer (link padding) bounds the segment.
    Bytes padded = good;
    padded.resize(good.size() + 6, 0);
    const auto p = parse_frame(padded, LinkType::raw_ip);
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->l4_length, good.size() - 20);
}

TEST(NetPacketMalformed, TcpDataOffsetChecks) {
    const Bytes good = syn("198.18.0.1", "198.18.1.2");  // 20 + 24 bytes
    for (const std::uint8_t offset_byte : Bytes{0x00, 0x40, 0x70, 0xf0}) {
        Bytes bad = good;
        set8(bad, 20 + 12, offset_byte);
        EXPECT_FALSE(parse_frame(bad, LinkType::raw_ip).has_value()) << int{offset_byte};
    }
    Bytes no_options = good;
    set8(no_options, 20 + 12, 0x50);
    const auto p = parse_frame(no_options, LinkType::raw_ip);
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->tcp->header_length, 20U);
    EXPECT_EQ(p->payload_length, 4U);
    // A segment too short for a TCP header.
    Bytes short_segment = prefix(good, 35);
    set16(short_segment, 2, 35);
    EXPECT_FALSE(parse_frame(short_segment, LinkType::raw_ip).has_value());
}

TEST(NetPacketMalformed, UdpLengthChecks) {
    Tins::IP ip = Tins::IP("198.18.0.1", "198.18.1.2") / Tins::UDP(1, 2) /
                  Tins::RawPDU(Bytes(4, 0));
    const Bytes good = ip.serialize();
    ASSERT_TRUE(parse_frame(good, LinkType::raw_ip).has_value());
    for (const std::uint16_t length : std::vector<std::uint16_t>{0, 7, 13}) {
        Bytes bad = good;
        set16(bad, 24, length);
        EXPECT_FALSE(parse_frame(bad, LinkType::raw_ip).has_value()) << length;
    }
}

TEST(NetPacketMalformed, IcmpQuotingATruncatedHeader) {
    const Bytes v4 = syn("198.18.0.1", "198.18.1.2");
    ASSERT_TRUE(parse_frame(icmp_quoting(prefix(v4, 28)), LinkType::raw_ip).has_value());
    for (const std::size_t n : std::vector<std::size_t>{0, 1, 19, 20, 24, 27}) {
        EXPECT_FALSE(parse_frame(icmp_quoting(prefix(v4, n)), LinkType::raw_ip).has_value()) << n;
    }
    Bytes bad_ihl = v4;
    set8(bad_ihl, 0, 0x43);
    EXPECT_FALSE(parse_frame(icmp_quoting(bad_ihl), LinkType::raw_ip).has_value());
    Bytes long_ihl = v4;
    set8(long_ihl, 0, 0x4a);  // 40-byte header leaves only 4 quoted L4 bytes
    EXPECT_FALSE(parse_frame(icmp_quoting(long_ihl), LinkType::raw_ip).has_value());
    Bytes small_total = v4;
    set16(small_total, 2, 10);
    EXPECT_FALSE(parse_frame(icmp_quoting(small_total), LinkType::raw_ip).has_value());

    const Bytes v6 = syn("fd00::1", "fd00::2");
    ASSERT_TRUE(parse_frame(icmpv6_quoting(prefix(v6, 48)), LinkType::raw_ip).has_value());
    EXPECT_FALSE(parse_frame(icmpv6_quoting(prefix(v6, 47)), LinkType::raw_ip).has_value());
    EXPECT_FALSE(parse_frame(icmpv6_quoting(prefix(v6, 40)), LinkType::raw_ip).has_value());
    // Family mismatch: ICMPv6 quoting IPv4 and ICMP quoting IPv6.
    EXPECT_FALSE(parse_frame(icmpv6_quoting(v4), LinkType::raw_ip).has_value());
    EXPECT_FALSE(parse_frame(icmp_quoting(v6), LinkType::raw_ip).has_value());
}

TEST(NetPacketMalformed, Ipv6ExtensionHeaders) {
    const Bytes v6 = syn("fd00::1", "fd00::2");
    const Bytes chained =
        insert_ext(insert_ext(insert_ext(v6, 44, fragment_header(0, false)), 60, kDestOptions16),
                   0, kHopByHop);
    const auto p = parse_frame(chained, LinkType::raw_ip);
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->protocol, kProtoTcp);
    EXPECT_EQ(p->l4_offset, 40U + 8 + 16 + 8);
    ASSERT_TRUE(p->tcp.has_value());
    EXPECT_EQ(p->tcp->seq, 0xc0c0c0c0U);
    EXPECT_EQ(p->tcp->dst_port, 443);
    // Routing header too.
    EXPECT_TRUE(parse_frame(insert_ext(v6, 43, kHopByHop), LinkType::raw_ip).has_value());
    // Non-first fragment.
    EXPECT_FALSE(parse_frame(insert_ext(v6, 44, fragment_header(1, true)), LinkType::raw_ip));
    // Extension header length past the end.
    Bytes too_long = insert_ext(v6, 60, kHopByHop);
    set8(too_long, 41, 200);
    EXPECT_FALSE(parse_frame(too_long, LinkType::raw_ip).has_value());
    // Up to 8 extension headers are skipped; more are rejected.
    Bytes many = v6;
    for (int i = 0; i < 8; ++i) {
        many = insert_ext(many, 60, kHopByHop);
    }
    EXPECT_TRUE(parse_frame(many, LinkType::raw_ip).has_value());
    many = insert_ext(many, 60, kHopByHop);
    EXPECT_FALSE(parse_frame(many, LinkType::raw_ip).has_value());
    // Payload length zero (jumbogram) and beyond the buffer.
    Bytes zero = v6;
    set16(zero, 4, 0);
    EXPECT_FALSE(parse_frame(zero, LinkType::raw_ip).has_value());
    Bytes beyond = v6;
    set16(beyond, 4, static_cast<std::uint16_t>(v6.size() - 40 + 1));
    EXPECT_FALSE(parse_frame(beyond, LinkType::raw_ip).has_value());
    // An ICMPv6 error quoting a packet with extension headers.
    const auto q = parse_frame(icmpv6_quoting(chained), LinkType::raw_ip);
    ASSERT_TRUE(q.has_value());
    ASSERT_TRUE(q->icmp && q->icmp->quoted);
    EXPECT_EQ(q->icmp->quoted->tcp_seq, 0xc0c0c0c0U);
}

TEST(NetPacketMalformed, EthernetChecks) {
    const Bytes ip = syn("198.18.0.1", "198.18.1.2");
    const Bytes macs(12, 0x02);
    auto frame = [&](std::vector<std::uint16_t> types, const Bytes& payload) {
        Bytes out = macs;
        for (std::uint16_t t : types) {
            out.push_back(static_cast<std::uint8_t>(t >> 8));
            out.push_back(static_cast<std::uint8_t>(t));
        }
        out.insert(out.end(), payload.begin(), payload.end());
        return out;
    };
    // VLAN tag = 0x8100 then TCI; the parser reads the inner type after the TCI.
    EXPECT_TRUE(parse_frame(frame({0x0800}, ip), LinkType::ethernet).has_value());
    EXPECT_TRUE(parse_frame(frame({0x88a8, 5, 0x8100, 6, 0x0800}, ip), LinkType::ethernet));
    EXPECT_FALSE(parse_frame(frame({0x8100, 5, 0x8100, 6, 0x8100, 7, 0x0800}, ip),
                             LinkType::ethernet));
    EXPECT_FALSE(parse_frame(frame({0x0806}, ip), LinkType::ethernet).has_value());
    EXPECT_FALSE(parse_frame(frame({0x86dd}, ip), LinkType::ethernet).has_value());
    EXPECT_FALSE(parse_frame(frame({0x0800}, {}), LinkType::ethernet).has_value());
    EXPECT_FALSE(parse_frame(frame({0x8100}, {}), LinkType::ethernet).has_value());
    EXPECT_FALSE(parse_frame(Bytes(13, 0), LinkType::ethernet).has_value());
}

TEST(NetPacketMalformed, RandomMutationsNeverBreakBounds) {
    const Bytes v4 = syn("198.18.0.1", "198.18.1.2");
    const Bytes v6 = syn("fd00::1", "fd00::2");
    const std::vector<Bytes> seeds = {v4, v6, icmp_quoting(v4), icmpv6_quoting(v6),
                                      insert_ext(v6, 0, kHopByHop)};
    std::mt19937 rng(12345);
    std::size_t parsed = 0;
    for (int i = 0; i < 30000; ++i) {
        Bytes b = seeds[static_cast<std::size_t>(i) % seeds.size()];
        const int flips = 1 + static_cast<int>(rng() % 4);
        for (int f = 0; f < flips; ++f) {
            b[rng() % b.size()] = static_cast<std::uint8_t>(rng());
        }
        if (rng() % 4 == 0) {
            b.resize(rng() % (b.size() + 1));
        }
        const auto p = parse_frame(b, LinkType::raw_ip);
        if (p) {
            ++parsed;
            EXPECT_LE(p->l4_offset + p->l4_length, b.size());
            EXPECT_LE(p->payload_offset + p->payload_length, b.size());
        }
    }
    EXPECT_GT(parsed, 0U);
}

}  // namespace
}  // namespace portwarden::net

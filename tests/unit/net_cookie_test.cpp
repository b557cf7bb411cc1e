// SipHash-2-4 against the reference vectors of Aumasson & Bernstein (key 00..0f, message
// 00..len-1), and the properties of the SYN cookie used for stateless validation.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <set>
#include <vector>

#include "net/cookie.hpp"
#include "net/packet_view.hpp"
#include "net/templates.hpp"

namespace portwarden::net {
namespace {

constexpr std::array<std::uint64_t, 64> kVectors = {
    0x726fdb47dd0e0e31ULL, 0x74f839c593dc67fdULL, 0x0d6c8009d9a94f5aULL, 0x85676696d7fb7e2dULL,
    0xcf2794e0277187b7ULL, 0x18765564cd99a68dULL, 0xcbc9466e58fee3ceULL, 0xab0200f58b01d137ULL,
    0x93f5f5799a932462ULL, 0x9e0082df0ba9e4b0ULL, 0x7a5dbbc594ddb9f3ULL, 0xf4b32f46226bada7ULL,
    0x751e8fbc860ee5fbULL, 0x14ea5627c0843d90ULL, 0xf723ca908e7af2eeULL, 0xa129ca6149be45e5ULL,
    0x3f2acc7f57c29bdbULL, 0x699ae9f52cbe4794ULL, 0x4bc1b3f0968dd39cULL, 0xbb6dc91da77961bdULL,
    0xbed65cf21aa2ee98ULL, 0xd0f2cbb02e3b67c7ULL, 0x93536795e3a33e88ULL, 0xa80c038ccd5ccec8ULL,
    0xb8ad50c6f649af94ULL, 0xbce192de8a85b8eaULL, 0x17d835b85bbb15f3ULL, 0x2f2e6163076bcfadULL,
    0xde4daaaca71dc9a5ULL, 0xa6a2506687956571ULL, 0xad87a3535c49ef28ULL, 0x32d892fad841c342ULL,
    0x7127512f72f27cceULL, 0xa7f32346f95978e3ULL, 0x12e0b01abb051238ULL, 0x15e034d40fa197aeULL,
    0x314dffbe0815a3b4ULL, 0x027990f029623981ULL, 0xcadcd4e59ef40c4dULL, 0x9abfd8766a33735cULL,
    0x0e3ea96b5304a7d0ULL, 0xad0c42d6fc585992ULL, 0x187306c89bc215a9ULL, 0xd4a60abcf3792b95ULL,
    0xf935451de4f21df2ULL, 0xa9538f0419755787ULL, 0xdb9acddff56ca510ULL, 0xd06c98cd5c0975ebULL,
    0xe612a3cb9ecba951ULL, 0xc766e62cfcadaf96ULL, 0xee64435a9752fe72ULL, 0xa192d576b245165aULL,
    0x0a8787bf8ecb74b2ULL, 0x81b3e73d20b49b6fULL, 0x7fa8220ba3b2eceaULL, 0x245731c13ca42499ULL,
    0xb78dbfaf3a8d83bdULL, 0xea1ad565322a1a0bULL, 0x60e61c23a3795013ULL, 0x6606d7e446282b93ULL,
    0x6ca4ecb15c5f91e1ULL, 0x9f626da15c9625f3ULL, 0xe51b38608ef25f57ULL, 0x958a324ceb064572ULL,
};

SipKey reference_key() {
    std::array<std::uint8_t, 16> bytes{};
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        bytes[i] = static_cast<std::uint8_t>(i);
    }
    return SipKey::from_bytes(bytes);
}

Address addr(const char* text) { return Address::parse(text).value(); }

TEST(NetSipHash, ReferenceVectorsForEveryLengthUpTo63) {
    const SipKey key = reference_key();
    EXPECT_EQ(key.k0, 0x0706050403020100ULL);
    EXPECT_EQ(key.k1, 0x0f0e0d0c0b0a0908ULL);
    std::vector<std::uint8_t> message;
    for (std::size_t length = 0; length < kVectors.size(); ++length) {
        EXPECT_EQ(siphash24(key, message), kVectors[length]) << "length " << length;
        message.push_back(static_cast<std::uint8_t>(length));
    }
}

TEST(NetSipHash, PaperAppendixExample) {
    // Appendix A of the paper: a 15-byte message 00..0e.
    const std::vector<std::uint8_t> message = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14};
    EXPECT_EQ(siphash24(reference_key(), message), 0xa129ca6149be45e5ULL);
}

TEST(NetCookie, DeterministicAndSensitiveToEveryInputAndTheKey) {
    const SipKey key{0x1234, 0x5678};
    const Address us = addr("198.18.0.1");
    const Address them = addr("198.18.3.4");
    const std::uint32_t base = syn_cookie(key, us, them, 40000, 443);
    EXPECT_EQ(base, syn_cookie(key, us, them, 40000, 443));
    EXPECT_NE(base, syn_cookie(SipKey{0x1234, 0x5679}, us, them, 40000, 443));
    EXPECT_NE(base, syn_cookie(key, them, us, 40000, 443));
    EXPECT_NE(base, syn_cookie(key, us, addr("198.18.3.5"), 40000, 443));
    EXPECT_NE(base, syn_cookie(key, us, them, 40001, 443));
    EXPECT_NE(base, syn_cookie(key, us, them, 40000, 444));
    EXPECT_NE(base, syn_cookie(key, us, them, 443, 40000));
    EXPECT_NE(syn_cookie(key, addr("fd00::1"), addr("fd00::2"), 1, 2),
              syn_cookie(key, addr("fd00::1"), addr("fd00::3"), 1, 2));
}

TEST(NetCookie, CookiesAreWellSpread) {
    const SipKey key{0xfeedface, 0xcafebabe};
    std::set<std::uint32_t> seen;
    for (std::uint16_t port = 1; port <= 4096; ++port) {
        seen.insert(syn_cookie(key, addr("198.18.0.1"), addr("198.18.0.2"), 40000, port));
    }
    EXPECT_GE(seen.size(), 4090U);  // 32-bit outputs: collisions in 4096 are very rare
}

ParsedPacket tcp_reply(const SipKey& key, std::uint8_t flags, std::uint32_t ack_delta) {
    ParsedPacket reply;
    reply.src = addr("198.18.3.4");
    reply.dst = addr("198.18.0.1");
    reply.protocol = kProtoTcp;
    const std::uint32_t cookie = syn_cookie(key, reply.dst, reply.src, 40000, 443);
    reply.tcp = TcpInfo{443, 40000, 99, cookie + ack_delta, flags, 0, 20, 0};
    return reply;
}

TEST(NetCookie, ValidatesSynAckAndRstAcks) {
    const SipKey key{1, 2};
    const std::uint8_t syn_ack = kTcpSyn | kTcpAck;
    const std::uint8_t rst_ack = kTcpRst | kTcpAck;
    EXPECT_TRUE(tcp_reply_is_ours(key, tcp_reply(key, syn_ack, 1)));
    EXPECT_FALSE(tcp_reply_is_ours(key, tcp_reply(key, syn_ack, 0)));
    EXPECT_FALSE(tcp_reply_is_ours(key, tcp_reply(key, syn_ack, 2)));
    EXPECT_TRUE(tcp_reply_is_ours(key, tcp_reply(key, rst_ack, 1)));
    EXPECT_TRUE(tcp_reply_is_ours(key, tcp_reply(key, kTcpRst, 0)));
    EXPECT_FALSE(tcp_reply_is_ours(key, tcp_reply(key, kTcpRst, 2)));
    EXPECT_FALSE(tcp_reply_is_ours(key, tcp_reply(key, rst_ack, 0xffffffffU)));
    EXPECT_FALSE(tcp_reply_is_ours(key, tcp_reply(key, kTcpAck, 1)));
    EXPECT_FALSE(tcp_reply_is_ours(SipKey{1, 3}, tcp_reply(key, syn_ack, 1)));
    ParsedPacket udp;
    udp.protocol = kProtoUdp;
    udp.udp = UdpInfo{53, 40000, 8};
    EXPECT_FALSE(tcp_reply_is_ours(key, udp));
    EXPECT_FALSE(cookie_for_reply(key, udp).has_value());
}

TEST(NetCookie, CookiePlusOneWrapsAround) {
    // When the cookie is 0xffffffff the expected ack wraps to 0.
    const SipKey key{7, 7};
    ParsedPacket reply = tcp_reply(key, kTcpSyn | kTcpAck, 1);
    const std::uint32_t cookie = cookie_for_reply(key, reply).value();
    EXPECT_EQ(reply.tcp->ack, static_cast<std::uint32_t>(cookie + 1U));
    EXPECT_TRUE(tcp_reply_is_ours(key, reply));
}

TEST(NetCookie, MatchesIcmpQuoteOfOurProbe) {
    const SipKey key{11, 13};
    TemplateConfig config;
    config.src = addr("198.18.0.1");
    const auto t = ProbeTemplate::make(config).value();
    const Address target = addr("198.18.9.9");
    std::vector<std::uint8_t> probe(t.size());
    ASSERT_TRUE(t.write(probe));
    const std::uint32_t cookie = syn_cookie(key, config.src, target, 40000, 8080);
    ASSERT_TRUE(t.patch(probe, target, 40000, 8080, cookie, 1));
    const auto parsed = parse_frame(probe, LinkType::raw_ip).value();
    QuotedPacket quoted{parsed.src, parsed.dst, kProtoTcp, 40000, 8080, cookie, {}};
    EXPECT_TRUE(icmp_quote_is_ours(key, quoted));
    quoted.tcp_seq = cookie + 1U;
    EXPECT_FALSE(icmp_quote_is_ours(key, quoted));
    quoted.tcp_seq.reset();
    EXPECT_FALSE(icmp_quote_is_ours(key, quoted));
    quoted.protocol = kProtoUdp;
    quoted.tcp_seq = cookie;
    EXPECT_FALSE(icmp_quote_is_ours(key, quoted));
}

}  // namespace
}  // namespace portwarden::net

#include "net/cookie.hpp"

#include <algorithm>
#include <bit>

namespace portwarden::net {

namespace {

struct SipState {
    std::uint64_t v0;
    std::uint64_t v1;
    std::uint64_t v2;
    std::uint64_t v3;

    void round() {
        v0 += v1;
        v1 = std::rotl(v1, 13);
        v1 ^= v0;
        v0 = std::rotl(v0, 32);
        v2 += v3;
        v3 = std::rotl(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = std::rotl(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = std::rotl(v1, 17);
        v1 ^= v2;
        v2 = std::rotl(v2, 32);
    }

    void compress(std::uint64_t m) {
        v3 ^= m;
        round();
        round();
        v0 ^= m;
    }
};

// Little-endian 64-bit word from up to 8 bytes (the message's last, partial word).
std::uint64_t load_le64(ConstBytes bytes) {
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < bytes.size() && i < 8; ++i) {
        value |= std::uint64_t{bytes[i]} << (8 * i);
    }
    return value;
}

// A full word: a fixed 8 bytes, which the compiler reads with one load.
std::uint64_t load_le64(std::span<const std::uint8_t, 8> b) {
    return std::uint64_t{b[0]} | std::uint64_t{b[1]} << 8 | std::uint64_t{b[2]} << 16 |
           std::uint64_t{b[3]} << 24 | std::uint64_t{b[4]} << 32 | std::uint64_t{b[5]} << 40 |
           std::uint64_t{b[6]} << 48 | std::uint64_t{b[7]} << 56;
}

// Message: src address, dst address (4 or 16 bytes each), src port, dst port (big-endian).
constexpr std::size_t kMaxTupleBytes = 16 + 16 + 2 + 2;

}  // namespace

SipKey SipKey::from_bytes(const std::array<std::uint8_t, 16>& bytes) {
    const ConstBytes all = bytes;
    return SipKey{load_le64(all.first<8>()), load_le64(all.subspan<8, 8>())};
}

std::uint64_t siphash24(const SipKey& key, ConstBytes message) {
    SipState s{key.k0 ^ 0x736f6d6570736575ULL, key.k1 ^ 0x646f72616e646f6dULL,
               key.k0 ^ 0x6c7967656e657261ULL, key.k1 ^ 0x7465646279746573ULL};
    const std::size_t full = message.size() / 8 * 8;
    for (std::size_t i = 0; i < full; i += 8) {
        s.compress(load_le64(message.subspan(i).first<8>()));
    }
    const std::uint64_t last =
        load_le64(message.subspan(full)) | (std::uint64_t{message.size() & 0xffU} << 56);
    s.compress(last);
    s.v2 ^= 0xff;
    for (int i = 0; i < 4; ++i) {
        s.round();
    }
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

std::uint32_t syn_cookie(const SipKey& key, const Address& src, const Address& dst,
                         std::uint16_t src_port, std::uint16_t dst_port) {
    // Built in place (every probe and every reply hashes one): the addresses' bytes as they
    // are, then the two ports big-endian.
    std::array<std::uint8_t, kMaxTupleBytes> message{};
    const auto src_bytes = src.bytes();
    const auto dst_bytes = dst.bytes();
    auto out = std::copy(src_bytes.begin(), src_bytes.end(), message.begin());
    out = std::copy(dst_bytes.begin(), dst_bytes.end(), out);
    const auto ports_at = static_cast<std::size_t>(out - message.begin());
    // Sized for two IPv6 addresses and the ports: cannot fail.
    (void)store_be32(message, ports_at, (std::uint32_t{src_port} << 16) | dst_port);
    const std::size_t length = ports_at + 4;
    const std::uint64_t hash = siphash24(key, ConstBytes(message).first(length));
    return static_cast<std::uint32_t>(hash ^ (hash >> 32));
}

std::optional<std::uint32_t> cookie_for_reply(const SipKey& key, const ParsedPacket& reply) {
    if (!reply.tcp) {
        return std::nullopt;
    }
    return syn_cookie(key, reply.dst, reply.src, reply.tcp->dst_port, reply.tcp->src_port);
}

bool tcp_reply_is_ours(const SipKey& key, const ParsedPacket& reply) {
    const auto cookie = cookie_for_reply(key, reply);
    if (!cookie) {
        return false;
    }
    const std::uint8_t flags = reply.tcp->flags;
    const std::uint32_t ack = reply.tcp->ack;
    if ((flags & kTcpRst) != 0) {
        return ack == *cookie || ack == *cookie + 1U;
    }
    if ((flags & (kTcpSyn | kTcpAck)) == (kTcpSyn | kTcpAck)) {
        return ack == *cookie + 1U;
    }
    return false;
}

bool icmp_quote_is_ours(const SipKey& key, const QuotedPacket& quoted) {
    if (quoted.protocol != kProtoTcp || !quoted.tcp_seq) {
        return false;
    }
    return *quoted.tcp_seq ==
           syn_cookie(key, quoted.src, quoted.dst, quoted.src_port, quoted.dst_port);
}

}  // namespace portwarden::net

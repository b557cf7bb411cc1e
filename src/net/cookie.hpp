#pragma once
// SipHash-2-4 (Aumasson & Bernstein, 2012) and the keyed SYN cookie used for stateless reply
// validation: the probe's seq is the cookie of its 4-tuple, so a reply is ours when
//   SYN-ACK: ack == cookie + 1;  RST: ack == cookie or cookie + 1;
//   ICMP error: the quoted TCP header's seq == cookie.
#include <array>
#include <cstdint>
#include <optional>

#include "net/bytes.hpp"
#include "net/packet_view.hpp"
#include "portwarden/address.hpp"

namespace portwarden::net {

// 128-bit key: k0 = little-endian bytes 0..7, k1 = bytes 8..15 of the paper's key.
struct SipKey {
    std::uint64_t k0 = 0;
    std::uint64_t k1 = 0;
    static SipKey from_bytes(const std::array<std::uint8_t, 16>& bytes);
};

std::uint64_t siphash24(const SipKey& key, ConstBytes message);

// Cookie of a probe from `src`:`src_port` (us) to `dst`:`dst_port` (the target).
std::uint32_t syn_cookie(const SipKey& key, const Address& src, const Address& dst,
                         std::uint16_t src_port, std::uint16_t dst_port);

// The cookie of the probe a TCP reply answers (the reply's addresses and ports swapped).
// nullopt when `reply` is not TCP.
std::optional<std::uint32_t> cookie_for_reply(const SipKey& key, const ParsedPacket& reply);

// True when a TCP reply acknowledges one of our probes: a SYN-ACK with ack == cookie + 1,
// or a RST with ack in {cookie, cookie + 1}. Other flag combinations are not ours.
bool tcp_reply_is_ours(const SipKey& key, const ParsedPacket& reply);

// True when an ICMP error quotes a TCP probe of ours (quoted seq == cookie). UDP quotes
// carry no cookie; they are matched on the quoted addresses and ports by the caller.
bool icmp_quote_is_ours(const SipKey& key, const QuotedPacket& quoted);

}  // namespace portwarden::net

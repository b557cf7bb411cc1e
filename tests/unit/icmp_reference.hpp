#pragma once
// A reference for the ICMP ping tests, written out independently of src/net: the Internet
// checksum, field writers and IPv4/IPv6 packets around an ICMP message.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "portwarden/address.hpp"

namespace portwarden::icmp_reference {

using Bytes = std::vector<std::uint8_t>;

// RFC 1071, summed byte by byte (independent of net::ChecksumSum).
inline std::uint16_t ref_checksum(const Bytes& data) {
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i < data.size(); i += 2) {
        const std::uint32_t low = i + 1 < data.size() ? data.at(i + 1) : 0U;
        sum += (std::uint32_t{data.at(i)} << 8) | low;
    }
    while (sum > 0xffffU) {
        sum = (sum & 0xffffU) + (sum >> 16);
    }
    return static_cast<std::uint16_t>(~sum & 0xffffU);
}

inline std::uint8_t byte(std::uint32_t value, int shift) {
    return static_cast<std::uint8_t>((value >> shift) & 0xffU);
}
inline void push16(Bytes& b, std::uint32_t v) {
    b.push_back(byte(v, 8));
    b.push_back(byte(v, 0));
}
inline void push32(Bytes& b, std::uint32_t v) {
    push16(b, v >> 16);
    push16(b, v);
}
inline void push(Bytes& b, const Address& a) { b.insert(b.end(), a.bytes().begin(), a.bytes().end()); }
inline void set16(Bytes& b, std::size_t at, std::uint16_t v) {
    b.at(at) = byte(v, 8);
    b.at(at + 1) = byte(v, 0);
}
inline Bytes range(const Bytes& b, std::size_t from, std::size_t to) {
    return Bytes(b.begin() + static_cast<std::ptrdiff_t>(from),
                 b.begin() + static_cast<std::ptrdiff_t>(to));
}

// The ICMPv6 checksum: pseudo-header (src, dst, 32-bit length, 3 zeros, next header 58).
inline std::uint16_t icmpv6_checksum(const Address& src, const Address& dst, const Bytes& message) {
    Bytes pseudo;
    push(pseudo, src);
    push(pseudo, dst);
    push32(pseudo, static_cast<std::uint32_t>(message.size()));
    push32(pseudo, 58);
    pseudo.insert(pseudo.end(), message.begin(), message.end());
    return ref_checksum(pseudo);
}

// An IP packet from `src` to `dst` carrying an ICMP/ICMPv6 message, checksums filled in.
// Messages too short for a checksum field are sent as they are.
inline Bytes ip_packet(const Address& src, const Address& dst, Bytes icmp,
                       std::uint8_t ttl = 57) {
    const bool has_checksum = icmp.size() >= 4;
    if (has_checksum) {
        set16(icmp, 2, 0);
    }
    Bytes out;
    if (src.is_v4()) {
        if (has_checksum) {
            set16(icmp, 2, ref_checksum(icmp));
        }
        push16(out, 0x4500);
        push16(out, static_cast<std::uint32_t>(20 + icmp.size()));
        push32(out, 0);
        out.push_back(ttl);
        out.push_back(1);
        push16(out, 0);
        push(out, src);
        push(out, dst);
        set16(out, 10, ref_checksum(out));
    } else {
        if (has_checksum) {
            set16(icmp, 2, icmpv6_checksum(src, dst, icmp));
        }
        push32(out, 0x60000000U);
        push16(out, static_cast<std::uint32_t>(icmp.size()));
        out.push_back(58);
        out.push_back(ttl);
        push(out, src);
        push(out, dst);
    }
    out.insert(out.end(), icmp.begin(), icmp.end());
    return out;
}

}  // namespace portwarden::icmp_reference

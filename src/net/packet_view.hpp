#pragma once
// Parses a captured frame once into the offsets and fields a scanner needs (the role of
// masscan's PreprocessedInfo). Pure and bounds-checked: truncated or inconsistent input gives
// std::nullopt, never an exception or an out-of-bounds read.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "net/bytes.hpp"
#include "portwarden/address.hpp"

namespace portwarden::net {

enum class LinkType : std::uint8_t { ethernet, raw_ip };

inline constexpr std::uint8_t kProtoIcmp = 1;
inline constexpr std::uint8_t kProtoTcp = 6;
inline constexpr std::uint8_t kProtoUdp = 17;
inline constexpr std::uint8_t kProtoIcmpv6 = 58;

// ICMP query message types: echo (RFC 792, RFC 4443 4.1-4.2) and ICMPv4 timestamp (RFC 792).
inline constexpr std::uint8_t kIcmpEchoReply = 0;
inline constexpr std::uint8_t kIcmpEchoRequest = 8;
inline constexpr std::uint8_t kIcmpTimestampRequest = 13;
inline constexpr std::uint8_t kIcmpTimestampReply = 14;
inline constexpr std::uint8_t kIcmpv6EchoRequest = 128;
inline constexpr std::uint8_t kIcmpv6EchoReply = 129;

inline constexpr std::size_t kEthernetHeader = 14;  // dst MAC, src MAC, ethertype
inline constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr std::uint16_t kEtherTypeIpv6 = 0x86dd;
inline constexpr std::uint16_t kEtherTypeVlan = 0x8100;
inline constexpr std::uint16_t kEtherTypeQinQ = 0x88a8;

// TCP flag bits as they appear in byte 13 of the TCP header.
inline constexpr std::uint8_t kTcpFin = 0x01;
inline constexpr std::uint8_t kTcpSyn = 0x02;
inline constexpr std::uint8_t kTcpRst = 0x04;
inline constexpr std::uint8_t kTcpPsh = 0x08;
inline constexpr std::uint8_t kTcpAck = 0x10;
inline constexpr std::uint8_t kTcpUrg = 0x20;
inline constexpr std::uint8_t kTcpEce = 0x40;
inline constexpr std::uint8_t kTcpCwr = 0x80;

struct TcpInfo {
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    std::uint32_t seq = 0;
    std::uint32_t ack = 0;
    std::uint8_t flags = 0;
    std::uint16_t window = 0;
    std::size_t header_length = 0;  // data offset * 4, validated to fit the segment
    // The options' layout: each kind in order, with the MSS and window-scale values (not the
    // timestamps, which change per segment), folded into 16 bits; 0 for no options.
    std::uint16_t options_digest = 0;
};

struct UdpInfo {
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    std::uint16_t length = 0;  // the UDP length field, validated against the segment
};

// The original datagram an ICMP error quotes: its IP header and the first 8 bytes of L4.
struct QuotedPacket {
    Address src;
    Address dst;
    std::uint8_t protocol = 0;
    std::uint16_t src_port = 0;  // TCP/UDP only, else 0
    std::uint16_t dst_port = 0;  // TCP/UDP only, else 0
    std::optional<std::uint32_t> tcp_seq;
    std::array<std::uint8_t, 8> l4_head{};  // the first 8 quoted L4 bytes, raw
};

// The three fields of an ICMPv4 timestamp message (the replier copies `originate` back).
struct IcmpTimestamps {
    std::uint32_t originate = 0;
    std::uint32_t receive = 0;
    std::uint32_t transmit = 0;
};

// An echo or timestamp message, request or reply (see is_icmp_query).
struct IcmpQuery {
    static constexpr std::size_t kDataHead = 8;

    std::uint16_t id = 0;
    std::uint16_t sequence = 0;
    std::size_t data_length = 0;  // all the bytes after the 8-byte header
    std::array<std::uint8_t, kDataHead> data_head{};  // the first of them, zero-filled
    // Timestamp messages only; one too short to hold the three makes the frame malformed.
    std::optional<IcmpTimestamps> timestamps;

    // The stored start of the data: min(data_length, kDataHead) bytes (an echo's payload).
    ConstBytes data() const {
        return ConstBytes(data_head).first(std::min(data_length, data_head.size()));
    }
};

struct IcmpInfo {
    std::uint8_t type = 0;
    std::uint8_t code = 0;
    // Set for error messages (ICMPv4 3, 4, 5, 11, 12; ICMPv6 1-4). An error whose quote
    // cannot be parsed makes the whole frame malformed.
    std::optional<QuotedPacket> quoted;
    // Set for echo and timestamp messages (is_icmp_query).
    std::optional<IcmpQuery> query;
};

struct ParsedPacket {
    Family family = Family::v4;
    Address src;
    Address dst;
    std::uint8_t ttl = 0;       // TTL or hop limit
    std::uint16_t ip_id = 0;    // IPv4 only
    std::uint8_t protocol = 0;  // L4 protocol (after IPv6 extension headers)
    std::size_t ip_offset = 0;  // offsets into the frame
    std::size_t l4_offset = 0;
    std::size_t l4_length = 0;  // bounded by the IP length, not by link padding
    std::size_t payload_offset = 0;  // after the TCP/UDP/ICMP header
    std::size_t payload_length = 0;
    bool first_fragment = false;  // more fragments follow: the L4 checksum covers bytes not here
    std::optional<TcpInfo> tcp;
    std::optional<UdpInfo> udp;
    std::optional<IcmpInfo> icmp;
};

std::optional<ParsedPacket> parse_frame(ConstBytes frame, LinkType link);

// True for ICMP (v4 or v6, by protocol) types that carry a quoted datagram.
bool is_icmp_error(std::uint8_t protocol, std::uint8_t type);
// True for the echo and timestamp types (ICMPv4 0, 8, 13, 14; ICMPv6 128, 129).
bool is_icmp_query(std::uint8_t protocol, std::uint8_t type);

}  // namespace portwarden::net

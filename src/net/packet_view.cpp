#include "net/packet_view.hpp"

#include <algorithm>

namespace portwarden::net {

namespace {

constexpr std::size_t kVlanTag = 4;
constexpr std::size_t kMaxVlanTags = 2;
constexpr std::size_t kIpv4MinHeader = 20;
constexpr std::size_t kIpv6Header = 40;
constexpr std::size_t kMaxIpv6ExtensionHeaders = 8;
constexpr std::size_t kTcpMinHeader = 20;
constexpr std::size_t kUdpHeader = 8;
constexpr std::size_t kIcmpHeader = 8;
constexpr std::size_t kIcmpTimestampMessage = 20;  // header + originate, receive, transmit
constexpr std::size_t kQuotedL4Bytes = 8;

constexpr std::uint8_t kIpv6HopByHop = 0;
constexpr std::uint8_t kIpv6Routing = 43;
constexpr std::uint8_t kIpv6Fragment = 44;
constexpr std::uint8_t kIpv6DestOptions = 60;

// Outer packets must hold their whole IP length; a quoted datagram is normally cut short.
enum class Mode : std::uint8_t { outer, quoted };

struct IpLayer {
    Family family = Family::v4;
    Address src;
    Address dst;
    std::uint8_t ttl = 0;
    std::uint16_t id = 0;
    std::uint8_t protocol = 0;
    bool more_fragments = false;  // a first fragment: L4 lengths may exceed what is here
    std::size_t l4_offset = 0;    // relative to the IP header
    std::size_t l4_length = 0;
};

std::optional<Address> load_v6_address(ConstBytes data, std::size_t offset) {
    const auto raw = slice(data, offset, 16);
    if (!raw) {
        return std::nullopt;
    }
    std::array<std::uint8_t, 16> bytes{};
    std::copy(raw->begin(), raw->end(), bytes.begin());
    return Address::from_v6(bytes);
}

std::optional<IpLayer> parse_ipv4(ConstBytes ip, Mode mode) {
    const auto version_ihl = load_u8(ip, 0);
    const auto total = load_be16(ip, 2);
    const auto id = load_be16(ip, 4);
    const auto fragment = load_be16(ip, 6);
    const auto ttl = load_u8(ip, 8);
    const auto protocol = load_u8(ip, 9);
    const auto src = load_be32(ip, 12);
    const auto dst = load_be32(ip, 16);
    if (!version_ihl || !total || !id || !fragment || !ttl || !protocol || !src || !dst) {
        return std::nullopt;
    }
    const std::size_t ihl = std::size_t{*version_ihl & 0x0fU} * 4;
    if ((*version_ihl >> 4) != 4 || ihl < kIpv4MinHeader || ihl > ip.size() || *total < ihl) {
        return std::nullopt;
    }
    if ((*fragment & 0x1fffU) != 0) {
        return std::nullopt;  // not the first fragment: no L4 header here
    }
    std::size_t end = *total;
    if (end > ip.size()) {
        if (mode == Mode::outer) {
            return std::nullopt;
        }
        end = ip.size();
    }
    IpLayer layer;
    layer.family = Family::v4;
    layer.src = Address::from_v4(*src);
    layer.dst = Address::from_v4(*dst);
    layer.ttl = *ttl;
    layer.id = *id;
    layer.protocol = *protocol;
    layer.more_fragments = (*fragment & 0x2000U) != 0;
    layer.l4_offset = ihl;
    layer.l4_length = end - ihl;
    return layer;
}

std::optional<IpLayer> parse_ipv6(ConstBytes ip, Mode mode) {
    const auto first = load_u8(ip, 0);
    const auto payload_length = load_be16(ip, 4);
    const auto next_header = load_u8(ip, 6);
    const auto hop_limit = load_u8(ip, 7);
    const auto src = load_v6_address(ip, 8);
    const auto dst = load_v6_address(ip, 24);
    if (!first || !payload_length || !next_header || !hop_limit || !src || !dst) {
        return std::nullopt;
    }
    if ((*first >> 4) != 6 || *payload_length == 0) {
        return std::nullopt;  // jumbograms are not supported
    }
    std::size_t end = kIpv6Header + *payload_length;
    if (end > ip.size()) {
        if (mode == Mode::outer) {
            return std::nullopt;
        }
        end = ip.size();
    }
    const ConstBytes packet = ip.first(end);
    IpLayer layer;
    layer.family = Family::v6;
    layer.src = *src;
    layer.dst = *dst;
    layer.ttl = *hop_limit;
    std::uint8_t next = *next_header;
    std::size_t offset = kIpv6Header;
    for (std::size_t count = 0;; ++count) {
        if (count > kMaxIpv6ExtensionHeaders) {
            return std::nullopt;
        }
        if (next == kIpv6HopByHop || next == kIpv6Routing || next == kIpv6DestOptions) {
            const auto following = load_u8(packet, offset);
            const auto units = load_u8(packet, offset + 1);
            if (!following || !units) {
                return std::nullopt;
            }
            const std::size_t length = (std::size_t{*units} + 1) * 8;
            if (!fits(packet.size(), offset, length)) {
                return std::nullopt;
            }
            next = *following;
            offset += length;
        } else if (next == kIpv6Fragment) {
            const auto following = load_u8(packet, offset);
            const auto fragment = load_be16(packet, offset + 2);
            if (!following || !fragment || !fits(packet.size(), offset, 8)) {
                return std::nullopt;
            }
            if ((*fragment >> 3) != 0) {
                return std::nullopt;  // only the first fragment holds the L4 header
            }
            layer.more_fragments = (*fragment & 0x1U) != 0;
            next = *following;
            offset += 8;
        } else {
            break;
        }
    }
    layer.protocol = next;
    layer.l4_offset = offset;
    layer.l4_length = packet.size() - offset;
    return layer;
}

std::optional<IpLayer> parse_ip(ConstBytes ip, Mode mode) {
    const auto first = load_u8(ip, 0);
    if (!first) {
        return std::nullopt;
    }
    if ((*first >> 4) == 4) {
        return parse_ipv4(ip, mode);
    }
    if ((*first >> 4) == 6) {
        return parse_ipv6(ip, mode);
    }
    return std::nullopt;
}

// See TcpInfo::options_digest. A malformed option list ends the walk (the digest keeps what
// came before it): replies are validated by their cookie, not by their options.
std::uint16_t tcp_options_digest(ConstBytes options) {
    constexpr std::uint8_t kEnd = 0, kNop = 1, kMss = 2, kWscale = 3;
    std::uint32_t h = 0;
    const auto fold = [&h](std::uint32_t v) { h = (h * 31U + v + 1U) & 0xffffU; };
    std::size_t i = 0;
    while (i < options.size()) {
        const std::uint8_t kind = options[i];
        fold(kind);
        if (kind == kEnd) {
            break;
        }
        if (kind == kNop) {
            ++i;
            continue;
        }
        const auto length = load_u8(options, i + 1);
        if (!length || *length < 2 || i + *length > options.size()) {
            break;
        }
        if (kind == kMss || kind == kWscale) {
            for (std::size_t k = 2; k < *length; ++k) {
                fold(options[i + k]);
            }
        }
        i += *length;
    }
    return static_cast<std::uint16_t>(h);
}

std::optional<TcpInfo> parse_tcp(ConstBytes segment) {
    const auto src_port = load_be16(segment, 0);
    const auto dst_port = load_be16(segment, 2);
    const auto seq = load_be32(segment, 4);
    const auto ack = load_be32(segment, 8);
    const auto offset_byte = load_u8(segment, 12);
    const auto flags = load_u8(segment, 13);
    const auto window = load_be16(segment, 14);
    if (!src_port || !dst_port || !seq || !ack || !offset_byte || !flags || !window) {
        return std::nullopt;
    }
    const std::size_t header_length = (std::size_t{*offset_byte} >> 4) * 4;
    if (header_length < kTcpMinHeader || header_length > segment.size()) {
        return std::nullopt;
    }
    const std::uint16_t digest =
        header_length > kTcpMinHeader ? tcp_options_digest(segment.subspan(kTcpMinHeader, header_length - kTcpMinHeader)) : 0;
    return TcpInfo{*src_port, *dst_port, *seq, *ack, *flags, *window, header_length, digest};
}

std::optional<UdpInfo> parse_udp(ConstBytes segment, bool more_fragments) {
    const auto src_port = load_be16(segment, 0);
    const auto dst_port = load_be16(segment, 2);
    const auto length = load_be16(segment, 4);
    if (!src_port || !dst_port || !length || *length < kUdpHeader) {
        return std::nullopt;
    }
    if (*length > segment.size() && !more_fragments) {
        return std::nullopt;
    }
    return UdpInfo{*src_port, *dst_port, *length};
}

std::optional<QuotedPacket> parse_quoted(ConstBytes quote, Family expected) {
    const auto ip = parse_ip(quote, Mode::quoted);
    if (!ip || ip->family != expected || ip->l4_length < kQuotedL4Bytes) {
        return std::nullopt;
    }
    const auto head = slice(quote, ip->l4_offset, kQuotedL4Bytes);
    if (!head) {
        return std::nullopt;
    }
    QuotedPacket quoted;
    quoted.src = ip->src;
    quoted.dst = ip->dst;
    quoted.protocol = ip->protocol;
    std::copy(head->begin(), head->end(), quoted.l4_head.begin());
    if (ip->protocol == kProtoTcp || ip->protocol == kProtoUdp) {
        quoted.src_port = load_be16(*head, 0).value_or(0);
        quoted.dst_port = load_be16(*head, 2).value_or(0);
    }
    if (ip->protocol == kProtoTcp) {
        quoted.tcp_seq = load_be32(*head, 4);
    }
    return quoted;
}

// An echo or timestamp message whose 8-byte header is known to fit.
std::optional<IcmpQuery> parse_query(ConstBytes message, std::uint8_t protocol,
                                     std::uint8_t type) {
    const auto id = load_be16(message, 4);
    const auto sequence = load_be16(message, 6);
    const auto data = slice_from(message, kIcmpHeader);
    if (!id || !sequence || !data) {
        return std::nullopt;
    }
    IcmpQuery query;
    query.id = *id;
    query.sequence = *sequence;
    query.data_length = data->size();
    const ConstBytes head = data->first(std::min(data->size(), query.data_head.size()));
    std::copy(head.begin(), head.end(), query.data_head.begin());
    const bool timestamp = protocol == kProtoIcmp &&
                           (type == kIcmpTimestampRequest || type == kIcmpTimestampReply);
    if (timestamp) {
        const auto originate = load_be32(message, 8);
        const auto receive = load_be32(message, 12);
        const auto transmit = load_be32(message, 16);
        if (!originate || !receive || !transmit || message.size() < kIcmpTimestampMessage) {
            return std::nullopt;
        }
        query.timestamps = IcmpTimestamps{*originate, *receive, *transmit};
    }
    return query;
}

std::optional<IcmpInfo> parse_icmp(ConstBytes segment, std::uint8_t protocol, Family family) {
    const auto type = load_u8(segment, 0);
    const auto code = load_u8(segment, 1);
    if (!type || !code || segment.size() < kIcmpHeader) {
        return std::nullopt;
    }
    IcmpInfo info{*type, *code, std::nullopt, std::nullopt};
    if (is_icmp_error(protocol, *type)) {
        info.quoted = parse_quoted(segment.subspan(kIcmpHeader), family);
        if (!info.quoted) {
            return std::nullopt;
        }
    } else if (is_icmp_query(protocol, *type)) {
        info.query = parse_query(segment, protocol, *type);
        if (!info.query) {
            return std::nullopt;
        }
    }
    return info;
}

// Offset of the IP header in the frame, or nullopt for a frame that does not carry IP.
std::optional<std::size_t> ip_offset(ConstBytes frame, LinkType link) {
    if (link == LinkType::raw_ip) {
        return 0;
    }
    std::size_t offset = kEthernetHeader;
    auto ether_type = load_be16(frame, 12);
    for (std::size_t tags = 0; ether_type && tags < kMaxVlanTags; ++tags) {
        if (*ether_type != kEtherTypeVlan && *ether_type != kEtherTypeQinQ) {
            break;
        }
        ether_type = load_be16(frame, offset + 2);
        offset += kVlanTag;
    }
    if (!ether_type || (*ether_type != kEtherTypeIpv4 && *ether_type != kEtherTypeIpv6)) {
        return std::nullopt;
    }
    const auto version = load_u8(frame, offset);
    const unsigned expected = *ether_type == kEtherTypeIpv4 ? 4U : 6U;
    if (!version || (*version >> 4) != expected) {
        return std::nullopt;
    }
    return offset;
}

}  // namespace

bool is_icmp_error(std::uint8_t protocol, std::uint8_t type) {
    if (protocol == kProtoIcmp) {
        return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
    }
    if (protocol == kProtoIcmpv6) {
        return type >= 1 && type <= 4;
    }
    return false;
}

bool is_icmp_query(std::uint8_t protocol, std::uint8_t type) {
    if (protocol == kProtoIcmp) {
        return type == kIcmpEchoReply || type == kIcmpEchoRequest ||
               type == kIcmpTimestampRequest || type == kIcmpTimestampReply;
    }
    if (protocol == kProtoIcmpv6) {
        return type == kIcmpv6EchoRequest || type == kIcmpv6EchoReply;
    }
    return false;
}

std::optional<ParsedPacket> parse_frame(ConstBytes frame, LinkType link) {
    const auto ip_start = ip_offset(frame, link);
    if (!ip_start) {
        return std::nullopt;
    }
    const ConstBytes ip_bytes = frame.subspan(*ip_start);
    const auto ip = parse_ip(ip_bytes, Mode::outer);
    if (!ip) {
        return std::nullopt;
    }
    const auto segment = slice(ip_bytes, ip->l4_offset, ip->l4_length);
    if (!segment) {
        return std::nullopt;
    }
    ParsedPacket packet;
    packet.family = ip->family;
    packet.src = ip->src;
    packet.dst = ip->dst;
    packet.ttl = ip->ttl;
    packet.ip_id = ip->id;
    packet.protocol = ip->protocol;
    packet.ip_offset = *ip_start;
    packet.l4_offset = *ip_start + ip->l4_offset;
    packet.l4_length = ip->l4_length;
    packet.first_fragment = ip->more_fragments;
    std::size_t header_length = 0;
    std::size_t payload_length = 0;
    if (ip->protocol == kProtoTcp) {
        packet.tcp = parse_tcp(*segment);
        if (!packet.tcp) {
            return std::nullopt;
        }
        header_length = packet.tcp->header_length;
        payload_length = segment->size() - header_length;
    } else if (ip->protocol == kProtoUdp) {
        packet.udp = parse_udp(*segment, ip->more_fragments);
        if (!packet.udp) {
            return std::nullopt;
        }
        header_length = kUdpHeader;
        payload_length = std::min<std::size_t>(packet.udp->length, segment->size()) - kUdpHeader;
    } else if ((ip->protocol == kProtoIcmp && ip->family == Family::v4) ||
               (ip->protocol == kProtoIcmpv6 && ip->family == Family::v6)) {
        packet.icmp = parse_icmp(*segment, ip->protocol, ip->family);
        if (!packet.icmp) {
            return std::nullopt;
        }
        header_length = kIcmpHeader;
        payload_length = segment->size() - kIcmpHeader;
    }
    packet.payload_offset = packet.l4_offset + header_length;
    packet.payload_length = payload_length;
    return packet;
}

}  // namespace portwarden::net

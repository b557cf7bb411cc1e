#include "net/arp_nd.hpp"

#include <algorithm>

namespace portwarden::net {

namespace {

constexpr std::size_t kEthernetMinFrame = 60;
constexpr std::size_t kEthDst = 0;
constexpr std::size_t kEthSrc = 6;
constexpr std::size_t kEthType = 12;

// ARP for Ethernet/IPv4: htype, ptype, hlen, plen, op, sha, spa, tha, tpa.
constexpr std::size_t kArpLength = 28;
constexpr std::uint16_t kArpHwEthernet = 1;
constexpr std::uint16_t kArpRequest = 1;
constexpr std::uint16_t kArpReply = 2;
constexpr std::size_t kArpOp = 6;
constexpr std::size_t kArpSha = 8;
constexpr std::size_t kArpSpa = 14;
constexpr std::size_t kArpTha = 18;
constexpr std::size_t kArpTpa = 24;

constexpr std::size_t kIpv6Header = 40;
constexpr std::size_t kIpv6PayloadLength = 4;
constexpr std::size_t kIpv6NextHeader = 6;
constexpr std::size_t kIpv6HopLimit = 7;
constexpr std::size_t kIpv6Src = 8;
constexpr std::size_t kIpv6Dst = 24;
constexpr std::uint8_t kNdHopLimit = 255;

// NS/NA: type, code, checksum, 4 bytes flags/reserved, target; then options.
constexpr std::size_t kNdHeader = 24;
constexpr std::size_t kNdChecksum = 2;
constexpr std::size_t kNdTarget = 8;
constexpr std::uint8_t kOptSourceLinkLayer = 1;
constexpr std::uint8_t kOptTargetLinkLayer = 2;
constexpr std::size_t kLinkLayerOption = 8;  // type, length (in 8-byte units), 6-byte MAC

bool store_mac(MutableBytes data, std::size_t offset, const MacAddress& mac) {
    return store_bytes(data, offset, mac);
}

std::optional<MacAddress> load_mac(ConstBytes data, std::size_t offset) {
    const auto raw = slice(data, offset, 6);
    if (!raw) {
        return std::nullopt;
    }
    MacAddress mac{};
    std::copy(raw->begin(), raw->end(), mac.begin());
    return mac;
}

std::optional<Address> load_ipv6(ConstBytes data, std::size_t offset) {
    const auto raw = slice(data, offset, 16);
    if (!raw) {
        return std::nullopt;
    }
    std::array<std::uint8_t, 16> bytes{};
    std::copy(raw->begin(), raw->end(), bytes.begin());
    return Address::from_v6(bytes);
}

bool store_ethernet(MutableBytes frame, const MacAddress& dst, const MacAddress& src,
                    std::uint16_t type) {
    return store_mac(frame, kEthDst, dst) && store_mac(frame, kEthSrc, src) &&
           store_be16(frame, kEthType, type);
}

}  // namespace

Address solicited_node_address(const Address& target) {
    std::array<std::uint8_t, 16> group{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff};
    const auto bytes = target.bytes();
    std::copy(bytes.end() - 3, bytes.end(), group.begin() + 13);
    return Address::from_v6(group);
}

MacAddress ipv6_multicast_mac(const Address& group) {
    MacAddress mac{0x33, 0x33};
    const auto bytes = group.bytes();
    std::copy(bytes.end() - 4, bytes.end(), mac.begin() + 2);
    return mac;
}

Result<std::vector<std::uint8_t>> build_arp_request(const MacAddress& sender_mac,
                                                    const Address& sender_ip,
                                                    const Address& target) {
    if (!sender_ip.is_v4() || !target.is_v4()) {
        return fail("ARP request for " + target.to_string() + ": ARP needs IPv4 addresses");
    }
    std::vector<std::uint8_t> frame(kEthernetMinFrame, 0);
    const MutableBytes arp = MutableBytes(frame).subspan(kEthernetHeader);
    const bool ok = store_ethernet(frame, kBroadcastMac, sender_mac, kEtherTypeArp) &&
                    store_be16(arp, 0, kArpHwEthernet) && store_be16(arp, 2, kEtherTypeIpv4) &&
                    store_u8(arp, 4, 6) && store_u8(arp, 5, 4) &&
                    store_be16(arp, kArpOp, kArpRequest) &&
                    store_mac(arp, kArpSha, sender_mac) &&
                    store_bytes(arp, kArpSpa, sender_ip.bytes()) &&
                    store_mac(arp, kArpTha, MacAddress{}) &&
                    store_bytes(arp, kArpTpa, target.bytes());
    if (!ok) {
        return fail("ARP request for " + target.to_string() + ": frame too small");
    }
    return frame;
}

std::optional<NeighbourReply> parse_arp_reply(ConstBytes frame) {
    if (load_be16(frame, kEthType) != kEtherTypeArp) {
        return std::nullopt;
    }
    const auto arp = slice(frame, kEthernetHeader, kArpLength);
    if (!arp || load_be16(*arp, 0) != kArpHwEthernet || load_be16(*arp, 2) != kEtherTypeIpv4 ||
        load_u8(*arp, 4) != 6 || load_u8(*arp, 5) != 4 || load_be16(*arp, kArpOp) != kArpReply) {
        return std::nullopt;
    }
    const auto mac = load_mac(*arp, kArpSha);
    const auto ip = load_be32(*arp, kArpSpa);
    if (!mac || !ip) {
        return std::nullopt;
    }
    return NeighbourReply{Address::from_v4(*ip), *mac};
}

Result<std::vector<std::uint8_t>> build_neighbour_solicitation(const MacAddress& sender_mac,
                                                               const Address& sender_ip,
                                                               const Address& target) {
    if (sender_ip.is_v4() || target.is_v4()) {
        return fail("neighbour solicitation for " + target.to_string() +
                    ": NDP needs IPv6 addresses");
    }
    const Address group = solicited_node_address(target);
    constexpr std::size_t icmp_length = kNdHeader + kLinkLayerOption;
    std::vector<std::uint8_t> frame(kEthernetHeader + kIpv6Header + icmp_length, 0);
    const MutableBytes ip = MutableBytes(frame).subspan(kEthernetHeader);
    const MutableBytes icmp = ip.subspan(kIpv6Header);
    bool ok = store_ethernet(frame, ipv6_multicast_mac(group), sender_mac, kEtherTypeIpv6) &&
              store_be32(ip, 0, 0x60000000U) &&
              store_be16(ip, kIpv6PayloadLength, static_cast<std::uint16_t>(icmp_length)) &&
              store_u8(ip, kIpv6NextHeader, kProtoIcmpv6) &&
              store_u8(ip, kIpv6HopLimit, kNdHopLimit) &&
              store_bytes(ip, kIpv6Src, sender_ip.bytes()) &&
              store_bytes(ip, kIpv6Dst, group.bytes()) &&
              store_u8(icmp, 0, kIcmpv6NeighbourSolicitation) &&
              store_bytes(icmp, kNdTarget, target.bytes()) &&
              store_u8(icmp, kNdHeader, kOptSourceLinkLayer) && store_u8(icmp, kNdHeader + 1, 1) &&
              store_mac(icmp, kNdHeader + 2, sender_mac);
    ok = ok && store_be16(icmp, kNdChecksum, l4_checksum(sender_ip, group, kProtoIcmpv6, icmp));
    if (!ok) {
        return fail("neighbour solicitation for " + target.to_string() + ": frame too small");
    }
    return frame;
}

std::optional<NeighbourReply> parse_neighbour_advertisement(ConstBytes frame) {
    const auto ether_src = load_mac(frame, kEthSrc);
    if (!ether_src || load_be16(frame, kEthType) != kEtherTypeIpv6) {
        return std::nullopt;
    }
    const auto ip = slice_from(frame, kEthernetHeader);
    const auto version = ip ? load_u8(*ip, 0) : std::nullopt;
    const auto payload_length = ip ? load_be16(*ip, kIpv6PayloadLength) : std::nullopt;
    if (!version || (*version >> 4) != 6 || !payload_length ||
        load_u8(*ip, kIpv6NextHeader) != kProtoIcmpv6 ||
        load_u8(*ip, kIpv6HopLimit) != kNdHopLimit) {
        return std::nullopt;
    }
    const auto src = load_ipv6(*ip, kIpv6Src);
    const auto dst = load_ipv6(*ip, kIpv6Dst);
    const auto icmp = slice(*ip, kIpv6Header, *payload_length);
    if (!src || !dst || !icmp || icmp->size() < kNdHeader ||
        load_u8(*icmp, 0) != kIcmpv6NeighbourAdvertisement || load_u8(*icmp, 1) != 0 ||
        l4_checksum(*src, *dst, kProtoIcmpv6, *icmp) != 0) {
        return std::nullopt;
    }
    const auto target = load_ipv6(*icmp, kNdTarget);
    if (!target) {
        return std::nullopt;
    }
    NeighbourReply reply{*target, *ether_src};
    // Options: type, length in units of 8 bytes (0 is invalid), value.
    std::size_t offset = kNdHeader;
    while (offset < icmp->size()) {
        const auto type = load_u8(*icmp, offset);
        const auto units = load_u8(*icmp, offset + 1);
        if (!type || !units || *units == 0 || !fits(icmp->size(), offset, *units * 8U)) {
            return std::nullopt;
        }
        if (*type == kOptTargetLinkLayer && *units == 1) {
            reply.mac = load_mac(*icmp, offset + 2).value_or(reply.mac);
        }
        offset += *units * 8U;
    }
    return reply;
}

}  // namespace portwarden::net

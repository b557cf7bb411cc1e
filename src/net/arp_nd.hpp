#pragma once
// Neighbour discovery frames, built and parsed without I/O: ARP (RFC 826) requests and
// replies for IPv4, and ICMPv6 Neighbour Solicitations / Advertisements (RFC 4861) for IPv6,
// each a complete Ethernet frame. Parsers are bounds-checked and give std::nullopt for
// truncated or malformed input.
#include <cstdint>
#include <optional>
#include <vector>

#include "net/bytes.hpp"
#include "net/templates.hpp"
#include "portwarden/address.hpp"
#include "portwarden/error.hpp"

namespace portwarden::net {

inline constexpr std::uint16_t kEtherTypeArp = 0x0806;
inline constexpr MacAddress kBroadcastMac{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

inline constexpr std::uint8_t kIcmpv6NeighbourSolicitation = 135;
inline constexpr std::uint8_t kIcmpv6NeighbourAdvertisement = 136;

// Who answered for which address.
struct NeighbourReply {
    Address ip;
    MacAddress mac{};
};

// ff02::1:ffXX:XXXX, the solicited-node multicast group of an IPv6 address (RFC 4291 2.7.1).
Address solicited_node_address(const Address& target);
// 33:33 followed by the group's last 32 bits (RFC 2464 7).
MacAddress ipv6_multicast_mac(const Address& group);

// A broadcast "who has target? tell sender" ARP request (60 bytes, padded). Both addresses
// must be IPv4.
Result<std::vector<std::uint8_t>> build_arp_request(const MacAddress& sender_mac,
                                                    const Address& sender_ip,
                                                    const Address& target);

// An ARP reply (opcode 2, Ethernet/IPv4) in an Ethernet frame: the sender's IP and MAC.
std::optional<NeighbourReply> parse_arp_reply(ConstBytes frame);

// A Neighbour Solicitation for `target` sent to its solicited-node group, hop limit 255, with
// the source link-layer address option (86 bytes). Both addresses must be IPv6.
Result<std::vector<std::uint8_t>> build_neighbour_solicitation(const MacAddress& sender_mac,
                                                               const Address& sender_ip,
                                                               const Address& target);

// A Neighbour Advertisement in an Ethernet frame (hop limit 255, code 0, valid ICMPv6
// checksum): its target address and the MAC from the target link-layer address option, or
// the Ethernet source when the option is absent.
std::optional<NeighbourReply> parse_neighbour_advertisement(ConstBytes frame);

}  // namespace portwarden::net

// ARP and NDP frames: our builders must equal libtins' serialization byte for byte
// (checksums included), our parsers must read frames libtins builds, and every truncation of
// a valid frame must parse to nullopt without reading out of bounds.
#include <gtest/gtest.h>
#include <tins/tins.h>

#include <cstdint>
#include <vector>

#include "net/arp_nd.hpp"

namespace portwarden::net {
namespace {

Address addr(const char* text) { return Address::parse(text).value(); }

const MacAddress kOurMac{0x02, 0x00, 0x5e, 0x10, 0x20, 0x30};
const MacAddress kPeerMac{0x0a, 0xbb, 0xcc, 0xdd, 0xee, 0x01};
const Tins::HWAddress<6> kOurMacText("02:00:5e:10:20:30");
const Tins::HWAddress<6> kPeerMacText("0a:bb:cc:dd:ee:01");

std::vector<std::uint8_t> tins_neighbour_advert(bool with_tlla, const char* target) {
    Tins::ICMPv6 na(Tins::ICMPv6::NEIGHBOUR_ADVERT);
    na.target_addr(target);
    na.solicited(1);
    na.override(1);
    if (with_tlla) {
        na.target_link_layer_addr(kPeerMacText);
    }
    Tins::IPv6 ip("fd00::1", "fd00::2");
    ip.hop_limit(255);
    Tins::EthernetII eth = Tins::EthernetII(kOurMacText, Tins::HWAddress<6>("0a:bb:cc:dd:ee:99")) / ip / na;
    return eth.serialize();
}

// Every strict prefix of `frame` must be rejected (and must not crash under ASan).
template <class Parse>
void expect_prefixes_rejected(const std::vector<std::uint8_t>& frame, std::size_t min_valid,
                              Parse parse) {
    for (std::size_t n = 0; n < min_valid; ++n) {
        const std::vector<std::uint8_t> prefix(frame.begin(),
                                               frame.begin() + static_cast<std::ptrdiff_t>(n));
        EXPECT_FALSE(parse(ConstBytes(prefix)).has_value()) << "prefix of " << n << " bytes";
    }
}

TEST(NetArpNd, SolicitedNodeAddressAndMulticastMac) {
    EXPECT_EQ(solicited_node_address(addr("fd00::12:3456:789a")), addr("ff02::1:ff56:789a"));
    EXPECT_EQ(ipv6_multicast_mac(addr("ff02::1:ff56:789a")),
              (MacAddress{0x33, 0x33, 0xff, 0x56, 0x78, 0x9a}));
}

TEST(NetArpNd, ArpRequestMatchesLibtins) {
    const auto ours = build_arp_request(kOurMac, addr("198.18.200.1"), addr("198.18.200.2"));
    ASSERT_TRUE(ours.has_value()) << ours.error().message;
    Tins::EthernetII tins =
        Tins::ARP::make_arp_request("198.18.200.2", "198.18.200.1", kOurMacText);
    auto expected = tins.serialize();
    expected.resize(60, 0);  // Ethernet minimum frame (libtins may leave padding to the NIC)
    EXPECT_EQ(*ours, expected);
    EXPECT_EQ(ours->size(), 60U);
}

TEST(NetArpNd, ArpRequestNeedsIpv4) {
    EXPECT_FALSE(build_arp_request(kOurMac, addr("fd00::1"), addr("fd00::2")).has_value());
    EXPECT_FALSE(build_arp_request(kOurMac, addr("198.18.0.1"), addr("fd00::2")).has_value());
}

TEST(NetArpNd, ParsesLibtinsArpReply) {
    Tins::EthernetII reply = Tins::ARP::make_arp_reply("198.18.200.1", "198.18.200.2",
                                                       kOurMacText, kPeerMacText);
    const auto frame = reply.serialize();
    const auto parsed = parse_arp_reply(frame);
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->ip, addr("198.18.200.2"));
    EXPECT_EQ(parsed->mac, kPeerMac);
    expect_prefixes_rejected(frame, 14 + 28, [](ConstBytes f) { return parse_arp_reply(f); });
}

TEST(NetArpNd, ArpRequestIsNotAReply) {
    const auto request = build_arp_request(kOurMac, addr("198.18.200.1"), addr("198.18.200.2"));
    ASSERT_TRUE(request.has_value());
    EXPECT_FALSE(parse_arp_reply(*request).has_value());
    Tins::EthernetII ip_frame = Tins::EthernetII() / Tins::IP("198.18.0.1", "198.18.0.2");
    EXPECT_FALSE(parse_arp_reply(ip_frame.serialize()).has_value());
}

TEST(NetArpNd, NeighbourSolicitationMatchesLibtins) {
    const Address target = addr("fd00:0:0:200::2");
    const auto ours = build_neighbour_solicitation(kOurMac, addr("fd00:0:0:200::1"), target);
    ASSERT_TRUE(ours.has_value()) << ours.error().message;
    Tins::ICMPv6 ns(Tins::ICMPv6::NEIGHBOUR_SOLICIT);
    ns.target_addr("fd00:0:0:200::2");
    ns.source_link_layer_addr(kOurMacText);
    Tins::IPv6 ip("ff02::1:ff00:2", "fd00:0:0:200::1");
    ip.hop_limit(255);
    Tins::EthernetII eth = Tins::EthernetII(Tins::HWAddress<6>("33:33:ff:00:00:02"), kOurMacText) / ip / ns;
    EXPECT_EQ(*ours, eth.serialize());
    EXPECT_EQ(ours->size(), 86U);
    // The ICMPv6 checksum (pseudo-header included) verifies.
    EXPECT_EQ(l4_checksum(addr("fd00:0:0:200::1"), addr("ff02::1:ff00:2"), kProtoIcmpv6,
                          ConstBytes(*ours).subspan(54)),
              0);
}

TEST(NetArpNd, NeighbourSolicitationNeedsIpv6) {
    EXPECT_FALSE(
        build_neighbour_solicitation(kOurMac, addr("198.18.0.1"), addr("198.18.0.2")).has_value());
}

TEST(NetArpNd, ParsesLibtinsNeighbourAdvertisementWithTargetLinkLayerOption) {
    const auto frame = tins_neighbour_advert(true, "fd00::2");
    const auto parsed = parse_neighbour_advertisement(frame);
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->ip, addr("fd00::2"));
    EXPECT_EQ(parsed->mac, kPeerMac);  // from the option, not the Ethernet source
    expect_prefixes_rejected(frame, frame.size(),
                             [](ConstBytes f) { return parse_neighbour_advertisement(f); });
}

TEST(NetArpNd, NeighbourAdvertisementWithoutOptionUsesEthernetSource) {
    const auto frame = tins_neighbour_advert(false, "fd00:0:0:201::7");
    const auto parsed = parse_neighbour_advertisement(frame);
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->ip, addr("fd00:0:0:201::7"));
    EXPECT_EQ(parsed->mac, (MacAddress{0x0a, 0xbb, 0xcc, 0xdd, 0xee, 0x99}));
    expect_prefixes_rejected(frame, frame.size(),
                             [](ConstBytes f) { return parse_neighbour_advertisement(f); });
}

TEST(NetArpNd, RejectsNeighbourAdvertisementsThatFailValidation) {
    auto frame = tins_neighbour_advert(true, "fd00::2");
    auto bad_checksum = frame;
    bad_checksum[14 + 40 + 2] ^= 0x01;
    EXPECT_FALSE(parse_neighbour_advertisement(bad_checksum).has_value());
    auto bad_hop_limit = frame;
    bad_hop_limit[14 + 7] = 64;  // forwarded by a router: RFC 4861 7.1.2 says drop
    EXPECT_FALSE(parse_neighbour_advertisement(bad_hop_limit).has_value());
    auto zero_option = frame;
    zero_option[14 + 40 + 24 + 1] = 0;  // an option of length 0 is invalid
    EXPECT_FALSE(parse_neighbour_advertisement(zero_option).has_value());
    // A solicitation is not an advertisement.
    const auto ns = build_neighbour_solicitation(kOurMac, addr("fd00::1"), addr("fd00::2"));
    ASSERT_TRUE(ns.has_value());
    EXPECT_FALSE(parse_neighbour_advertisement(*ns).has_value());
}

TEST(NetArpNd, ArpReplyWithTrailingPaddingParses) {
    Tins::EthernetII reply = Tins::ARP::make_arp_reply("198.18.200.1", "198.18.200.2",
                                                       kOurMacText, kPeerMacText);
    auto frame = reply.serialize();
    frame.resize(60, 0);
    const auto parsed = parse_arp_reply(frame);
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->ip, addr("198.18.200.2"));
}

}  // namespace
}  // namespace portwarden::net

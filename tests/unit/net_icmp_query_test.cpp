// The parser's view of ICMP echo and timestamp messages: identifier, sequence, the start of
// the data and the timestamps, bounds-checked.
#include <gtest/gtest.h>
#include <tins/tins.h>

#include <cstdint>
#include <vector>

#include "icmp_reference.hpp"
#include "net/packet_view.hpp"

namespace portwarden::net {
namespace {

using icmp_reference::Bytes;
using icmp_reference::ip_packet;
using icmp_reference::range;

Address addr(const char* text) { return Address::parse(text).value(); }

const Address kUs4 = addr("198.18.0.1");
const Address kTarget4 = addr("198.18.1.2");

TEST(NetIcmpQuery, EchoRepliesExposeIdSequenceAndData) {
    Tins::ICMP reply(Tins::ICMP::ECHO_REPLY);
    reply.id(0x1234);
    reply.sequence(0x5678);
    Tins::IP ip = Tins::IP("198.18.0.1", "198.18.1.2") / reply /
                  Tins::RawPDU(Bytes{1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
    const auto parsed = parse_frame(ip.serialize(), LinkType::raw_ip);
    ASSERT_TRUE(parsed && parsed->icmp && parsed->icmp->query);
    EXPECT_EQ(parsed->icmp->query->id, 0x1234);
    EXPECT_EQ(parsed->icmp->query->sequence, 0x5678);
    EXPECT_EQ(parsed->icmp->query->data_length, 10U);
    const auto data = parsed->icmp->query->data();
    EXPECT_EQ(Bytes(data.begin(), data.end()), (Bytes{1, 2, 3, 4, 5, 6, 7, 8}));
    EXPECT_FALSE(parsed->icmp->query->timestamps);
    EXPECT_FALSE(parsed->icmp->quoted);

    Tins::ICMPv6 reply6(Tins::ICMPv6::ECHO_REPLY);
    reply6.identifier(7);
    reply6.sequence(9);
    Tins::IPv6 ip6 = Tins::IPv6("fd00::1", "fd00::2") / reply6 / Tins::RawPDU(Bytes{1, 2});
    const auto parsed6 = parse_frame(ip6.serialize(), LinkType::raw_ip);
    ASSERT_TRUE(parsed6 && parsed6->icmp && parsed6->icmp->query);
    EXPECT_EQ(parsed6->icmp->query->id, 7);
    EXPECT_EQ(parsed6->icmp->query->sequence, 9);
    EXPECT_EQ(parsed6->icmp->query->data().size(), 2U);
}

TEST(NetIcmpQuery, TimestampRepliesExposeTheirThreeFields) {
    const Bytes stamp{14, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5};
    const auto parsed_ts = parse_frame(ip_packet(kTarget4, kUs4, stamp), LinkType::raw_ip);
    ASSERT_TRUE(parsed_ts && parsed_ts->icmp && parsed_ts->icmp->query);
    ASSERT_TRUE(parsed_ts->icmp->query->timestamps);
    EXPECT_EQ(parsed_ts->icmp->query->timestamps->originate, 3U);
    EXPECT_EQ(parsed_ts->icmp->query->timestamps->receive, 4U);
    EXPECT_EQ(parsed_ts->icmp->query->timestamps->transmit, 5U);
    // A timestamp message too short for its three fields is malformed.
    for (std::size_t n = 0; n < stamp.size(); ++n) {
        EXPECT_FALSE(parse_frame(ip_packet(kTarget4, kUs4, range(stamp, 0, n)), LinkType::raw_ip))
            << n;
    }
}

TEST(NetIcmpQuery, QueriesAreTheEchoAndTimestampTypes) {
    for (int type = 0; type <= 255; ++type) {
        const auto t = static_cast<std::uint8_t>(type);
        EXPECT_EQ(is_icmp_query(kProtoIcmp, t), type == 0 || type == 8 || type == 13 || type == 14)
            << type;
        EXPECT_EQ(is_icmp_query(kProtoIcmpv6, t), type == 128 || type == 129) << type;
        EXPECT_FALSE(is_icmp_query(kProtoTcp, t));
        EXPECT_FALSE(is_icmp_query(kProtoIcmp, t) && is_icmp_error(kProtoIcmp, t));
        EXPECT_FALSE(is_icmp_query(kProtoIcmpv6, t) && is_icmp_error(kProtoIcmpv6, t));
    }
}

TEST(NetIcmpQuery, EchoWithoutDataAndEveryShortMessage) {
    const Bytes bare{0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78};
    const auto parsed = parse_frame(ip_packet(kTarget4, kUs4, bare), LinkType::raw_ip);
    ASSERT_TRUE(parsed && parsed->icmp && parsed->icmp->query);
    EXPECT_EQ(parsed->icmp->query->data_length, 0U);
    EXPECT_TRUE(parsed->icmp->query->data().empty());
    for (std::size_t n = 0; n < bare.size(); ++n) {
        EXPECT_FALSE(parse_frame(ip_packet(kTarget4, kUs4, range(bare, 0, n)), LinkType::raw_ip))
            << n;
    }
}

}  // namespace
}  // namespace portwarden::net

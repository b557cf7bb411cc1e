// Bounds-checked loads/stores and the Internet checksum (RFC 1071) with pseudo-headers.
#include <gtest/gtest.h>
#include <tins/tins.h>

#include <cstdint>
#include <limits>
#include <vector>

#include "net/bytes.hpp"

namespace portwarden::net {
namespace {

TEST(NetBytes, LoadsAreBigEndianAndBoundsChecked) {
    const std::vector<std::uint8_t> data = {0x12, 0x34, 0x56, 0x78, 0x9a};
    EXPECT_EQ(load_u8(data, 4), 0x9a);
    EXPECT_EQ(load_be16(data, 0), 0x1234);
    EXPECT_EQ(load_be16(data, 3), 0x789a);
    EXPECT_EQ(load_be32(data, 1), 0x3456789aU);
    EXPECT_FALSE(load_u8(data, 5).has_value());
    EXPECT_FALSE(load_be16(data, 4).has_value());
    EXPECT_FALSE(load_be32(data, 2).has_value());
    const std::size_t huge = std::numeric_limits<std::size_t>::max();
    EXPECT_FALSE(load_be32(data, huge).has_value());
    EXPECT_FALSE(load_be16(data, huge - 1).has_value());
    EXPECT_FALSE(load_be16(ConstBytes{}, 0).has_value());
}

TEST(NetBytes, StoresAreBigEndianAndBoundsChecked) {
    std::vector<std::uint8_t> data(6, 0);
    EXPECT_TRUE(store_be16(data, 0, 0xabcd));
    EXPECT_TRUE(store_be32(data, 2, 0x01020304));
    EXPECT_EQ(data, (std::vector<std::uint8_t>{0xab, 0xcd, 1, 2, 3, 4}));
    EXPECT_FALSE(store_be32(data, 3, 0));
    EXPECT_FALSE(store_be16(data, 5, 0));
    EXPECT_FALSE(store_u8(data, 6, 0));
    EXPECT_FALSE(store_be16(data, std::numeric_limits<std::size_t>::max(), 0));
    EXPECT_EQ(data, (std::vector<std::uint8_t>{0xab, 0xcd, 1, 2, 3, 4}));  // untouched
    const std::vector<std::uint8_t> two = {9, 9};
    EXPECT_TRUE(store_bytes(data, 4, two));
    EXPECT_FALSE(store_bytes(data, 5, two));
}

TEST(NetBytes, SliceIsBoundsChecked) {
    const std::vector<std::uint8_t> data = {1, 2, 3};
    EXPECT_EQ(slice(data, 1, 2)->size(), 2U);
    EXPECT_FALSE(slice(data, 2, 2).has_value());
    EXPECT_EQ(slice_from(data, 3)->size(), 0U);
    EXPECT_FALSE(slice_from(data, 4).has_value());
}

TEST(NetChecksum, Rfc1071Example) {
    // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (checksum 220d).
    const std::vector<std::uint8_t> data = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    EXPECT_EQ(internet_checksum(data), 0x220d);
}

TEST(NetChecksum, OddLengthPadsWithZeroAndCarriesFold) {
    EXPECT_EQ(internet_checksum(std::vector<std::uint8_t>{0xab}), static_cast<std::uint16_t>(~0xab00));
    EXPECT_EQ(internet_checksum(std::vector<std::uint8_t>{0xff, 0xff, 0x00, 0x01}), 0xfffe);
    EXPECT_EQ(internet_checksum(ConstBytes{}), 0xffff);
    // A long run of 0xffff words exercises repeated carries.
    EXPECT_EQ(internet_checksum(std::vector<std::uint8_t>(70000, 0xff)), 0x0000);
}

// The word-at-a-time sum against RFC 1071's definition (big-endian 16-bit words, an odd last
// byte padded), for every length 0-300 and for the data split in two at every even offset.
TEST(NetChecksum, WordAtATimeSumEqualsTheDefinition) {
    const auto reference = [](ConstBytes data) {
        std::uint64_t sum = 0;
        for (std::size_t i = 0; i < data.size(); i += 2) {
            sum += (std::uint64_t{data[i]} << 8) | (i + 1 < data.size() ? data[i + 1] : 0U);
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffffU) + (sum >> 16);
        }
        return static_cast<std::uint16_t>(~sum & 0xffffU);
    };
    std::vector<std::uint8_t> data(300);
    std::uint32_t x = 12345;
    for (auto& b : data) {
        x = x * 1103515245U + 12345U;
        b = static_cast<std::uint8_t>(x >> 16);
    }
    for (std::size_t n = 0; n <= data.size(); ++n) {
        const ConstBytes span = ConstBytes(data).first(n);
        ASSERT_EQ(internet_checksum(span), reference(span)) << "length " << n;
        for (std::size_t cut = 0; cut <= n; cut += 2) {
            ASSERT_EQ(ChecksumSum{}.add(span.first(cut)).add(span.subspan(cut)).finish(), reference(span))
                << "length " << n << " split at " << cut;
        }
    }
    const std::vector<std::uint8_t> ones(301, 0xff);
    EXPECT_EQ(internet_checksum(ones), reference(ones));
}

TEST(NetChecksum, Ipv4HeaderChecksumMatchesLibtins) {
    Tins::IP ip("198.18.5.6", "198.18.0.1");
    ip.ttl(17);
    ip.id(0x4242);
    auto bytes = ip.serialize();
    EXPECT_EQ(internet_checksum(bytes), 0);
    const std::uint16_t theirs = load_be16(bytes, 10).value();
    ASSERT_TRUE(store_be16(bytes, 10, 0));
    EXPECT_EQ(internet_checksum(bytes), theirs);
}

TEST(NetChecksum, PseudoHeaderChecksumsMatchLibtins) {
    const std::vector<std::uint8_t> payload = {1, 2, 3, 4, 5};
    {
        Tins::IP ip = Tins::IP("198.18.5.6", "198.18.0.1") / Tins::UDP(53, 1234) /
                      Tins::RawPDU(payload);
        const auto bytes = ip.serialize();
        const ConstBytes segment = ConstBytes(bytes).subspan(20);
        EXPECT_EQ(l4_checksum(Address::parse("198.18.0.1").value(),
                              Address::parse("198.18.5.6").value(), 17, segment),
                  0);
    }
    {
        Tins::IPv6 ip = Tins::IPv6("fd00::2", "fd00::1") / Tins::TCP(80, 1234) /
                        Tins::RawPDU(payload);
        const auto bytes = ip.serialize();
        const ConstBytes segment = ConstBytes(bytes).subspan(40);
        EXPECT_EQ(l4_checksum(Address::parse("fd00::1").value(), Address::parse("fd00::2").value(),
                              6, segment),
                  0);
    }
}

}  // namespace
}  // namespace portwarden::net

// Each UDP probe payload is well-formed for its protocol (parsed here independently).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "net/bytes.hpp"
#include "techniques/udp_payloads.hpp"

namespace portwarden::techniques {
namespace {

using Bytes = std::span<const std::uint8_t>;

std::uint16_t be16(Bytes b, std::size_t at) { return net::load_be16(b, at).value(); }
std::uint32_t be32(Bytes b, std::size_t at) { return net::load_be32(b, at).value(); }
std::string as_text(Bytes b) { return std::string(b.begin(), b.end()); }

// A DNS name of labels from `at`; returns the labels and the offset after the root label.
std::optional<std::size_t> skip_name(Bytes b, std::size_t at, std::vector<std::string>& labels) {
    while (at < b.size()) {
        const std::size_t length = b[at];
        if (length == 0) {
            return at + 1;
        }
        if (length > 63 || !net::fits(b.size(), at + 1, length)) {
            return std::nullopt;
        }
        labels.push_back(as_text(b.subspan(at + 1, length)));
        at += 1 + length;
    }
    return std::nullopt;
}

TEST(TechniquePayload, EveryListedPortHasAPayloadOthersNone) {
    const auto ports = udp_payload_ports();
    EXPECT_TRUE(std::is_sorted(ports.begin(), ports.end()));
    for (const int port : {53, 69, 111, 123, 137, 161, 500, 1900, 5060, 5353, 11211}) {
        EXPECT_NE(std::find(ports.begin(), ports.end(), port), ports.end()) << port;
        EXPECT_FALSE(udp_payload(static_cast<std::uint16_t>(port)).empty()) << port;
    }
    EXPECT_TRUE(udp_payload(80).empty());
    EXPECT_TRUE(udp_payload(0).empty());
}

TEST(TechniquePayload, DnsRootNsQuery) {
    const Bytes b = udp_payload(53);
    EXPECT_EQ(be16(b, 2) & 0x8000, 0);  // QR: query
    EXPECT_EQ(be16(b, 4), 1);           // QDCOUNT
    EXPECT_EQ(be16(b, 6), 0);
    EXPECT_EQ(be16(b, 8), 0);
    EXPECT_EQ(be16(b, 10), 0);
    std::vector<std::string> labels;
    const auto end = skip_name(b, 12, labels);
    ASSERT_TRUE(end);
    EXPECT_TRUE(labels.empty());  // the root
    EXPECT_EQ(be16(b, *end), 2);  // NS
    EXPECT_EQ(be16(b, *end + 2), 1);  // IN
    EXPECT_EQ(*end + 4, b.size());
}

TEST(TechniquePayload, MdnsServiceEnumerationAsksForUnicast) {
    const Bytes b = udp_payload(5353);
    EXPECT_EQ(be16(b, 0), 0);  // RFC 6762 18.1: id 0
    EXPECT_EQ(be16(b, 4), 1);
    std::vector<std::string> labels;
    const auto end = skip_name(b, 12, labels);
    ASSERT_TRUE(end);
    EXPECT_EQ(labels, (std::vector<std::string>{"_services", "_dns-sd", "_udp", "local"}));
    EXPECT_EQ(be16(b, *end), 12);          // PTR
    EXPECT_EQ(be16(b, *end + 2), 0x8001);  // QU + IN
    EXPECT_EQ(*end + 4, b.size());
}

TEST(TechniquePayload, NtpClientRequest) {
    const Bytes b = udp_payload(123);
    ASSERT_EQ(b.size(), 48U);
    EXPECT_EQ(b[0] & 0x07, 3);         // mode client
    EXPECT_EQ((b[0] >> 3) & 0x07, 4);  // version 4
    EXPECT_EQ(b[0] >> 6, 0);           // leap indicator
}

// Checks one BER TLV (short or long definite length) and, for constructed types, that the
// children fill it exactly. Returns the offset after it.
std::optional<std::size_t> check_ber(Bytes b, std::size_t at, int& elements) {
    if (!net::fits(b.size(), at, 2)) {
        return std::nullopt;
    }
    const std::uint8_t tag = b[at];
    std::size_t length = b[at + 1];
    std::size_t header = 2;
    if (length & 0x80U) {
        const std::size_t count = length & 0x7fU;
        if (count == 0 || count > 2 || !net::fits(b.size(), at + 2, count)) {
            return std::nullopt;
        }
        length = 0;
        for (std::size_t i = 0; i < count; ++i) {
            length = length * 256 + b[at + 2 + i];
        }
        header += count;
    }
    if (!net::fits(b.size(), at + header, length)) {
        return std::nullopt;
    }
    ++elements;
    const std::size_t end = at + header + length;
    if (tag & 0x20U) {  // constructed
        std::size_t child = at + header;
        while (child < end) {
            const auto next = check_ber(b.first(end), child, elements);
            if (!next) {
                return std::nullopt;
            }
            child = *next;
        }
    }
    return end;
}

TEST(TechniquePayload, SnmpGetRequestBerLengthsAreConsistent) {
    const Bytes b = udp_payload(161);
    int elements = 0;
    EXPECT_EQ(check_ber(b, 0, elements), b.size());
    EXPECT_EQ(elements, 11);  // message, version, community, PDU, 3 ints, list, bind, OID, NULL
    EXPECT_EQ(b[0], 0x30);
    EXPECT_EQ(as_text(b.subspan(5, 8)), std::string("\x04\x06public", 8));
    EXPECT_EQ(b[13], 0xa0);  // GetRequest
    const std::vector<std::uint8_t> oid{0x06, 0x08, 0x2b, 6, 1, 2, 1, 1, 1, 0};  // 1.3.6.1.2.1.1.1.0
    EXPECT_TRUE(std::search(b.begin(), b.end(), oid.begin(), oid.end()) != b.end());
    EXPECT_EQ(be16(b, b.size() - 2), 0x0500);  // value NULL
}

TEST(TechniquePayload, NetbiosNodeStatusForStar) {
    const Bytes b = udp_payload(137);
    ASSERT_EQ(b.size(), 50U);
    EXPECT_EQ(be16(b, 4), 1);
    EXPECT_EQ(b[12], 32);
    std::string name;
    for (std::size_t i = 0; i < 16; ++i) {
        const int high = b[13 + 2 * i] - 'A';
        const int low = b[14 + 2 * i] - 'A';
        ASSERT_TRUE(high >= 0 && high < 16 && low >= 0 && low < 16);
        name.push_back(static_cast<char>(high * 16 + low));
    }
    EXPECT_EQ(name, std::string("*") + std::string(15, '\0'));
    EXPECT_EQ(b[45], 0);
    EXPECT_EQ(be16(b, 46), 0x0021);  // NBSTAT
    EXPECT_EQ(be16(b, 48), 1);
}

TEST(TechniquePayload, IkeMainModeLengthsNest) {
    const Bytes b = udp_payload(500);
    EXPECT_EQ(be32(b, 24), b.size());  // ISAKMP length
    EXPECT_EQ(b[16], 1);               // next payload: SA
    EXPECT_EQ(b[17], 0x10);            // version 1.0
    EXPECT_EQ(b[18], 2);               // Identity Protection (Main Mode)
    const std::size_t sa = 28;
    EXPECT_EQ(b[sa], 0);  // last payload
    EXPECT_EQ(sa + be16(b, sa + 2), b.size());
    const std::size_t proposal = sa + 12;
    EXPECT_EQ(proposal + be16(b, proposal + 2), b.size());
    EXPECT_EQ(b[proposal + 7], 1);  // one transform
    const std::size_t transform = proposal + 8;
    const std::size_t transform_length = be16(b, transform + 2);
    EXPECT_EQ(transform + transform_length, b.size());
    for (std::size_t at = transform + 8; at < b.size(); at += 4) {
        EXPECT_NE(b[at] & 0x80, 0) << "attribute at " << at << " is TV";
    }
}

TEST(TechniquePayload, TextProtocols) {
    const std::string ssdp = as_text(udp_payload(1900));
    EXPECT_EQ(ssdp.rfind("M-SEARCH * HTTP/1.1\r\n", 0), 0U);
    EXPECT_NE(ssdp.find("MAN: \"ssdp:discover\"\r\n"), std::string::npos);
    EXPECT_NE(ssdp.find("ST: "), std::string::npos);
    EXPECT_EQ(ssdp.substr(ssdp.size() - 4), "\r\n\r\n");

    const std::string sip = as_text(udp_payload(5060));
    EXPECT_EQ(sip.rfind("OPTIONS sip:", 0), 0U);
    for (const char* header : {"\r\nVia: SIP/2.0/UDP ", "\r\nTo: ", "\r\nFrom: ", "\r\nCall-ID: ",
                               "\r\nCSeq: 42 OPTIONS\r\n", "\r\nMax-Forwards: ",
                               "\r\nContent-Length: 0\r\n"}) {
        EXPECT_NE(sip.find(header), std::string::npos) << header;
    }
    EXPECT_NE(sip.find("branch=z9hG4bK"), std::string::npos);  // RFC 3261 magic cookie
    EXPECT_EQ(sip.substr(sip.size() - 4), "\r\n\r\n");
    EXPECT_EQ(sip.find('\0'), std::string::npos);

    const Bytes memcached = udp_payload(11211);
    EXPECT_EQ(be16(memcached, 2), 0);  // sequence number
    EXPECT_EQ(be16(memcached, 4), 1);  // datagrams in the message
    EXPECT_EQ(be16(memcached, 6), 0);
    EXPECT_EQ(as_text(memcached.subspan(8)), "stats\r\n");
}

TEST(TechniquePayload, RpcPortmapperNullCall) {
    const Bytes b = udp_payload(111);
    ASSERT_EQ(b.size(), 40U);
    EXPECT_EQ(be32(b, 4), 0U);        // CALL
    EXPECT_EQ(be32(b, 8), 2U);        // RPC version
    EXPECT_EQ(be32(b, 12), 100000U);  // portmapper
    EXPECT_EQ(be32(b, 16), 2U);
    EXPECT_EQ(be32(b, 20), 0U);  // NULL procedure
    EXPECT_EQ(be32(b, 28), 0U);  // credential length
    EXPECT_EQ(be32(b, 36), 0U);  // verifier length
}

TEST(TechniquePayload, TftpReadRequest) {
    const Bytes b = udp_payload(69);
    EXPECT_EQ(be16(b, 0), 1);  // RRQ
    const std::string rest = as_text(b.subspan(2));
    const auto nul = rest.find('\0');
    ASSERT_NE(nul, std::string::npos);
    EXPECT_GT(nul, 0U);
    EXPECT_EQ(rest.substr(nul + 1), std::string("octet\0", 6));
}

}  // namespace
}  // namespace portwarden::techniques

// The ICMP ping modules (icmp-echo, icmp-timestamp): probe bytes against golden layouts with
// checksums from a reference sum, replies built by hand as a stack answers them validated and
// classified, forged and truncated replies rejected, and ICMP errors quoting a ping.
// The parser's side is in net_icmp_query_test.cpp, the capture filter in technique_bpf_test.cpp.
#include <gtest/gtest.h>
#include <tins/tins.h>

#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "net/cookie.hpp"
#include "net/packet_view.hpp"
#include "portwarden/classify.hpp"
#include "icmp_reference.hpp"
#include "techniques/technique.hpp"

namespace portwarden::techniques {
namespace {

using icmp_reference::byte;
using icmp_reference::Bytes;
using icmp_reference::icmpv6_checksum;
using icmp_reference::ip_packet;
using icmp_reference::push;
using icmp_reference::range;
using icmp_reference::ref_checksum;
using icmp_reference::set16;

Address addr(const char* text) { return Address::parse(text).value(); }

// A fixed key (the SipHash paper's, bytes 0..15), so the golden bytes never change.
const ScanContext kContext = [] {
    ScanContext c;
    c.key = net::SipKey::from_bytes({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15});
    c.source_v4 = Address::parse("198.18.0.1");
    c.source_v6 = Address::parse("fd00::1");
    return c;
}();
const Address kUs4 = kContext.source_v4.value();
const Address kUs6 = kContext.source_v6.value();
const Address kTarget4 = addr("198.18.1.2");
const Address kTarget6 = addr("fd00::2");
const Address kRouter4 = addr("198.18.0.254");
const Address kRouter6 = addr("fd00::fe");

const Module& echo() { return module_for(Technique::icmp_echo); }
const Module& timestamp() { return module_for(Technique::icmp_timestamp); }

struct Ids {
    std::uint16_t id = 0;
    std::uint16_t sequence = 0;
    std::uint32_t cookie = 0;
};

// The layout of icmp_ping_module.cpp's file comment.
Ids expected_ids(const Address& src, const Address& dst, std::uint8_t tryno) {
    const std::uint32_t h = net::syn_cookie(kContext.key, src, dst, 0, 0);
    Ids ids;
    ids.id = static_cast<std::uint16_t>(h >> 16);
    ids.sequence = static_cast<std::uint16_t>((h & 0xffc0U) | tryno);
    ids.cookie = net::syn_cookie(kContext.key, src, dst, ids.id, ids.sequence);
    return ids;
}

struct Probe {
    Bytes bytes;
    Address src;
    Address dst;
    Ids ids;
    Bytes icmp() const { return range(bytes, src.is_v4() ? 20 : 40, bytes.size()); }
};

Probe make(const Module& module, const Address& dst, std::uint8_t tryno = 0,
           std::uint16_t dport = 0) {
    const auto tmpl = module.make_template(kContext, dst.family(), dport);
    EXPECT_TRUE(tmpl.has_value());
    Probe p;
    p.src = *kContext.source(dst.family());
    p.dst = dst;
    p.ids = expected_ids(p.src, dst, tryno);
    if (tmpl) {
        p.bytes.resize(tmpl->size());
        EXPECT_TRUE(tmpl->write(p.bytes));
        EXPECT_TRUE(module.make_probe(p.bytes, *tmpl, kContext, dst, dport, tryno));
    }
    return p;
}

// What a stack sends back: the request's message with the reply type, to our address.
Bytes answer(const Probe& p, std::uint8_t reply_type, std::optional<Address> from = {}) {
    Bytes icmp = p.icmp();
    icmp.at(0) = reply_type;
    return ip_packet(from.value_or(p.dst), p.src, icmp);
}

// An ICMP error from `from` quoting `quote` (a whole or cut-short datagram of ours).
Bytes error_quoting(const Probe& p, std::uint8_t type, std::uint8_t code, const Address& from,
                    const Bytes& quote) {
    Bytes icmp{type, code, 0, 0, 0, 0, 0, 0};
    icmp.insert(icmp.end(), quote.begin(), quote.end());
    return ip_packet(from, p.src, icmp);
}

std::optional<Reply> validate(const Module& module, const Bytes& frame,
                              const ScanContext& c = kContext) {
    const auto parsed = net::parse_frame(frame, net::LinkType::raw_ip);
    return parsed ? module.validate(*parsed, c) : std::nullopt;
}

// ---- probes ----

TEST(TechniqueIcmp, RegistryHasBothPings) {
    EXPECT_EQ(echo().technique(), Technique::icmp_echo);
    EXPECT_EQ(echo().name(), "icmp-echo");
    EXPECT_EQ(timestamp().technique(), Technique::icmp_timestamp);
    EXPECT_EQ(timestamp().name(), "icmp-timestamp");
    EXPECT_TRUE(is_ping_technique(Technique::icmp_echo));
    EXPECT_TRUE(is_ping_technique(Technique::icmp_timestamp));
    EXPECT_FALSE(is_ping_technique(Technique::syn));
}

// The ICMP message of a ping: type, code 0, checksum 0, id, sequence, the cookie and `zeros`
// zero bytes.
Bytes ping_message(std::uint8_t type, const Ids& i, std::size_t zeros) {
    const std::uint32_t c = i.cookie;
    Bytes m{type,          0,           0x00,        0x00,
            byte(i.id, 8), byte(i.id, 0), byte(i.sequence, 8), byte(i.sequence, 0),
            byte(c, 24),   byte(c, 16), byte(c, 8),  byte(c, 0)};
    m.resize(m.size() + zeros);  // not insert(): GCC 12 -O3 warns (-Warray-bounds)
    return m;
}

// The IPv4 packet kUs4 -> kTarget4 around `message`, every byte spelled out.
Bytes golden_v4(const Ids& i, Bytes message) {
    const std::uint32_t c = i.cookie;
    Bytes want{0x45, 0x00, 0x00, static_cast<std::uint8_t>(20 + message.size()),  // length
               byte(c, 24), byte(c, 16), 0x00, 0x00,  // IP id = cookie >> 16, no DF
               64, 1, 0x00, 0x00,                     // TTL, ICMP, checksum (below)
               198, 18, 0, 1, 198, 18, 1, 2};         // src, dst
    set16(want, 10, ref_checksum(want));
    set16(message, 2, ref_checksum(message));
    want.insert(want.end(), message.begin(), message.end());
    return want;
}

TEST(TechniqueIcmp, EchoRequestV4GoldenBytes) {
    const Probe p = make(echo(), kTarget4, 3, 443);  // the port is ignored
    EXPECT_EQ(p.bytes, golden_v4(p.ids, ping_message(8, p.ids, 4)));
    EXPECT_EQ(p.bytes.size(), 36U);
    EXPECT_EQ(p.ids.sequence & 0x3f, 3);
}

TEST(TechniqueIcmp, EchoRequestV6GoldenBytes) {
    const Probe p = make(echo(), kTarget6, 0);
    Bytes want{0x60, 0, 0, 0, 0x00, 16, 58, 64};  // version 6, payload 16, ICMPv6, hop limit
    push(want, kUs6);
    push(want, kTarget6);
    const Bytes icmp = ping_message(128, p.ids, 4);
    want.insert(want.end(), icmp.begin(), icmp.end());
    set16(want, 42, icmpv6_checksum(kUs6, kTarget6, icmp));
    EXPECT_EQ(p.bytes, want);
    EXPECT_EQ(p.ids.sequence & 0x3f, 0);
}

TEST(TechniqueIcmp, TimestampRequestGoldenBytes) {
    // The originate field is the cookie; receive and transmit are zero.
    const Probe p = make(timestamp(), kTarget4, 10);
    EXPECT_EQ(p.bytes, golden_v4(p.ids, ping_message(13, p.ids, 8)));
    EXPECT_EQ(p.bytes.size(), 40U);
    EXPECT_EQ(p.ids.sequence & 0x3f, 10);
}

TEST(TechniqueIcmp, LibtinsReadsTheEchoProbes) {
    const Probe p4 = make(echo(), kTarget4, 1);
    const Probe p6 = make(echo(), kTarget6, 1);
    Tins::IP ip(p4.bytes.data(), static_cast<std::uint32_t>(p4.bytes.size()));
    Tins::IPv6 ip6(p6.bytes.data(), static_cast<std::uint32_t>(p6.bytes.size()));
    // libtins recomputes the checksums when it serializes: the same bytes mean ours are right.
    EXPECT_EQ(ip.serialize(), p4.bytes);
    EXPECT_EQ(ip6.serialize(), p6.bytes);
    const auto& icmp = ip.rfind_pdu<Tins::ICMP>();
    const auto& icmp6 = ip6.rfind_pdu<Tins::ICMPv6>();
    EXPECT_EQ(icmp.type(), Tins::ICMP::ECHO_REQUEST);
    EXPECT_EQ(icmp6.type(), Tins::ICMPv6::ECHO_REQUEST);
    EXPECT_EQ((std::array{icmp.id(), icmp.sequence(), icmp6.identifier(), icmp6.sequence()}),
              (std::array{p4.ids.id, p4.ids.sequence, p6.ids.id, p6.ids.sequence}));
}

TEST(TechniqueIcmp, EthernetFramesArePadded) {
    ScanContext c = kContext;
    c.ethernet_v4 = net::EthernetAddresses{{2, 0, 0, 0, 0, 1}, {2, 0, 0, 0, 0, 2}};
    const auto tmpl = echo().make_template(c, Family::v4, 0).value();
    Bytes buf(tmpl.size());
    ASSERT_TRUE(tmpl.write(buf));
    ASSERT_TRUE(echo().make_probe(buf, tmpl, c, kTarget4, 0, 2));
    EXPECT_EQ(buf.size(), 60U);
    const Probe raw = make(echo(), kTarget4, 2);
    EXPECT_EQ(range(buf, 14, 14 + raw.bytes.size()), raw.bytes);
}

TEST(TechniqueIcmp, TemplateAndProbeErrors) {
    const auto v6 = timestamp().make_template(kContext, Family::v6, 0);
    ASSERT_FALSE(v6.has_value());
    EXPECT_NE(v6.error().message.find("ICMPv6"), std::string::npos) << v6.error().message;
    ScanContext many = kContext;
    many.max_tries = 65;
    EXPECT_FALSE(echo().make_template(many, Family::v4, 0).has_value());
    many.max_tries = 64;
    EXPECT_TRUE(echo().make_template(many, Family::v4, 0).has_value());
    ScanContext no_v6 = kContext;
    no_v6.source_v6.reset();
    EXPECT_FALSE(echo().make_template(no_v6, Family::v6, 0).has_value());

    const auto tmpl = echo().make_template(kContext, Family::v4, 0).value();
    Bytes buf(tmpl.size());
    ASSERT_TRUE(tmpl.write(buf));
    EXPECT_TRUE(echo().make_probe(buf, tmpl, kContext, kTarget4, 0, 10));
    EXPECT_FALSE(echo().make_probe(buf, tmpl, kContext, kTarget4, 0, 11));  // >= max_tries
    EXPECT_FALSE(echo().make_probe(buf, tmpl, kContext, kTarget6, 0, 0));   // family
    EXPECT_FALSE(timestamp().make_probe(buf, tmpl, kContext, kTarget4, 0, 0));  // echo template
    Bytes small(tmpl.size() - 1);
    EXPECT_FALSE(echo().make_probe(small, tmpl, kContext, kTarget4, 0, 0));
    EXPECT_FALSE(tmpl.patch(buf, kTarget4, 1, 2, 3, 4));  // not a TCP/UDP template
    const auto syn = module_for(Technique::syn).make_template(kContext, Family::v4, 80).value();
    Bytes syn_buf(syn.size());
    ASSERT_TRUE(syn.write(syn_buf));
    EXPECT_FALSE(echo().make_probe(syn_buf, syn, kContext, kTarget4, 0, 0));
    EXPECT_FALSE(syn.patch_icmp(syn_buf, kTarget4, 1, 2, 3, 4));
}

// ---- replies ----

TEST(TechniqueIcmp, RepliesRoundTrip) {
    struct Row {
        const Module& module;
        Address dst;
        std::uint8_t reply_type;
        ResponseKind kind;
        Reason reason;
    };
    const Row rows[] = {
        {echo(), kTarget4, 0, ResponseKind::echo_reply, Reason::echo_reply},
        {echo(), kTarget6, 129, ResponseKind::echo_reply, Reason::echo_reply},
        {timestamp(), kTarget4, 14, ResponseKind::timestamp_reply, Reason::timestamp_reply},
    };
    for (const Row& row : rows) {
        for (const std::uint8_t tryno : std::initializer_list<std::uint8_t>{0, 1, 10}) {
            SCOPED_TRACE(std::string(row.module.name()) + " " + row.dst.to_string() + " try " +
                         std::to_string(tryno));
            const Probe p = make(row.module, row.dst, tryno, 80);
            const auto reply = validate(row.module, answer(p, row.reply_type));
            ASSERT_TRUE(reply.has_value());
            EXPECT_EQ(reply->target, row.dst);
            EXPECT_EQ(reply->port, 0);
            EXPECT_EQ(reply->tryno, tryno);
            EXPECT_EQ(reply->response.kind, row.kind);
            EXPECT_TRUE(reply->response.from_target);
            EXPECT_EQ(reply->responder, row.dst);
            EXPECT_EQ(reply->ttl, 57);
            const Verdict v = classify(row.module.technique(), reply->response);
            EXPECT_TRUE(v.resolved);
            EXPECT_TRUE(v.host_up);
            EXPECT_EQ(v.reason, row.reason);
        }
    }
}

TEST(TechniqueIcmp, ForgedRepliesAreRejected) {
    const Probe p = make(echo(), kTarget4, 2);
    ASSERT_TRUE(validate(echo(), answer(p, 0)));
    // Bytes 4-5: id, 6-7: sequence (a flip of bit 0 names another try), 8-11: cookie, 12-15:
    // zeros. The type is byte 0 (below).
    for (std::size_t offset = 4; offset < 16; ++offset) {
        for (const std::uint8_t flip : std::initializer_list<std::uint8_t>{0x01, 0x80}) {
            Bytes icmp = p.icmp();
            icmp.at(0) = 0;
            icmp.at(offset) ^= flip;
            EXPECT_FALSE(validate(echo(), ip_packet(p.dst, p.src, icmp)))
                << offset << " ^ " << int{flip};
        }
    }
    EXPECT_FALSE(validate(echo(), answer(p, 0, addr("198.18.1.3"))));        // another host
    EXPECT_FALSE(validate(echo(), ip_packet(p.dst, addr("198.18.0.2"), p.icmp())));  // not us
    EXPECT_FALSE(validate(echo(), answer(p, 8)));     // a request, not a reply
    EXPECT_FALSE(validate(timestamp(), answer(p, 14)));  // the other ping's reply
    ScanContext other_key = kContext;
    other_key.key.k0 ^= 1;
    EXPECT_FALSE(validate(echo(), answer(p, 0), other_key));
    ScanContext fewer_tries = kContext;
    fewer_tries.max_tries = 2;  // try 2 was never sent
    EXPECT_FALSE(validate(echo(), answer(p, 0), fewer_tries));

    const Probe t = make(timestamp(), kTarget4, 1);
    ASSERT_TRUE(validate(timestamp(), answer(t, 14)));
    Bytes stamp = t.icmp();
    stamp.at(0) = 14;
    stamp.at(11) ^= 1;  // originate
    EXPECT_FALSE(validate(timestamp(), ip_packet(t.dst, t.src, stamp)));
    EXPECT_FALSE(validate(echo(), answer(t, 0)));  // 12 data bytes, not the echo's 8
    Bytes longer = p.icmp();
    longer.at(0) = 0;
    longer.push_back(0);
    EXPECT_FALSE(validate(echo(), ip_packet(p.dst, p.src, longer)));
}

TEST(TechniqueIcmp, TruncatedRepliesAreRejected) {
    const Probe probes[] = {make(echo(), kTarget4, 1), make(echo(), kTarget6, 1),
                            make(timestamp(), kTarget4, 1)};
    for (const Probe& p : probes) {
        const Module& m = p.icmp().at(0) == 13 ? timestamp() : echo();
        const std::uint8_t reply_type = p.icmp().at(0) == 13 ? 14 : (p.dst.is_v4() ? 0 : 129);
        const Bytes full = answer(p, reply_type);
        ASSERT_TRUE(validate(m, full));
        for (std::size_t n = 0; n < full.size(); ++n) {  // cut frames: the IP length lies
            EXPECT_FALSE(validate(m, range(full, 0, n))) << n;
        }
        Bytes icmp = p.icmp();
        icmp.at(0) = reply_type;
        for (std::size_t n = 0; n < icmp.size(); ++n) {  // short messages, consistent lengths
            EXPECT_FALSE(validate(m, ip_packet(p.dst, p.src, range(icmp, 0, n)))) << n;
        }
    }
}

// ---- ICMP errors quoting a ping ----

TEST(TechniqueIcmp, ErrorsQuotingAnEchoRequest) {
    const Probe p = make(echo(), kTarget4, 4);
    const auto unreach = validate(echo(), error_quoting(p, 3, 1, kRouter4, p.bytes));
    ASSERT_TRUE(unreach.has_value());
    EXPECT_EQ(unreach->target, kTarget4);
    EXPECT_EQ(unreach->responder, kRouter4);
    EXPECT_EQ(unreach->port, 0);
    EXPECT_EQ(unreach->tryno, 4);
    EXPECT_EQ(unreach->response.kind, ResponseKind::icmp);
    EXPECT_EQ(unreach->response.icmp_type, 3);
    EXPECT_EQ(unreach->response.icmp_code, 1);
    EXPECT_FALSE(unreach->response.from_target);
    const Verdict hint = classify(Technique::icmp_echo, unreach->response);
    EXPECT_TRUE(hint.resolved);
    EXPECT_FALSE(hint.host_up);
    EXPECT_EQ(hint.reason, Reason::host_unreach);
    // A router quoting only the IP header and 8 bytes (RFC 792) is enough.
    EXPECT_TRUE(validate(echo(), error_quoting(p, 11, 0, kRouter4, range(p.bytes, 0, 28))));
    // The target itself answering with an error is up.
    const auto own = validate(echo(), error_quoting(p, 3, 2, kTarget4, p.bytes));
    ASSERT_TRUE(own.has_value());
    EXPECT_TRUE(own->response.from_target);
    EXPECT_TRUE(classify(Technique::icmp_echo, own->response).host_up);
    // Quotes cut shorter than the ICMP header are malformed; forged ids are not ours.
    for (std::size_t n = 0; n < 28; ++n) {
        EXPECT_FALSE(validate(echo(), error_quoting(p, 3, 1, kRouter4, range(p.bytes, 0, n))))
            << n;
    }
    // Type, id and the sequence's high bits. The quote's try bits are trusted: routers need
    // not quote the data cookie.
    for (const std::size_t offset : {20U, 24U, 25U, 26U, 27U}) {
        Bytes quote = p.bytes;
        quote.at(offset) ^= offset == 27 ? 0x40 : 0x01;
        EXPECT_FALSE(validate(echo(), error_quoting(p, 3, 1, kRouter4, quote))) << offset;
    }
    Bytes not_ours = p.bytes;
    not_ours.at(15) ^= 1;  // quoted source: not our address
    EXPECT_FALSE(validate(echo(), error_quoting(p, 3, 1, kRouter4, not_ours)));
    EXPECT_FALSE(validate(timestamp(), error_quoting(p, 3, 1, kRouter4, p.bytes)));
    const Probe syn = {make(module_for(Technique::syn), kTarget4).bytes, kUs4, kTarget4, {}};
    EXPECT_FALSE(validate(echo(), error_quoting(syn, 3, 1, kRouter4, syn.bytes)));
}

TEST(TechniqueIcmp, ErrorsQuotingV6EchoAndTimestampRequests) {
    const Probe p6 = make(echo(), kTarget6, 0);
    const auto router = validate(echo(), error_quoting(p6, 1, 3, kRouter6, p6.bytes));
    ASSERT_TRUE(router.has_value());
    EXPECT_EQ(router->response.icmp_version, IcmpVersion::v6);
    EXPECT_EQ(router->target, kTarget6);
    const Verdict hint = classify(Technique::icmp_echo, router->response);
    EXPECT_TRUE(hint.resolved);
    EXPECT_FALSE(hint.host_up);
    EXPECT_EQ(hint.reason, Reason::host_unreach);
    const auto own = validate(echo(), error_quoting(p6, 1, 4, kTarget6, p6.bytes));
    ASSERT_TRUE(own.has_value());
    EXPECT_TRUE(classify(Technique::icmp_echo, own->response).host_up);

    const Probe t = make(timestamp(), kTarget4, 3);
    const auto stamp = validate(timestamp(), error_quoting(t, 3, 13, kRouter4, t.bytes));
    ASSERT_TRUE(stamp.has_value());
    EXPECT_EQ(stamp->tryno, 3);
    EXPECT_EQ(classify(Technique::icmp_timestamp, stamp->response).reason,
              Reason::admin_prohibited);
    EXPECT_FALSE(validate(echo(), error_quoting(t, 3, 13, kRouter4, t.bytes)));
}

}  // namespace
}  // namespace portwarden::techniques

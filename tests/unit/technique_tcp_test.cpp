// The TCP flags module (SYN, ACK, Window, FIN, NULL, Xmas, Maimon, --scanflags): probes checked
// with libtins; replies built with libtins as a Linux stack sends them, validated and classified.
#include <gtest/gtest.h>
#include <tins/tins.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "net/bytes.hpp"
#include "net/cookie.hpp"
#include "net/packet_view.hpp"
#include "portwarden/classify.hpp"
#include "techniques/technique.hpp"

namespace portwarden::techniques {
namespace {

Address addr(const char* text) { return Address::parse(text).value(); }

ScanContext context() {
    ScanContext c;
    c.key = net::SipKey{0x0123456789abcdefULL, 0xfedcba9876543210ULL};
    c.source_v4 = addr("198.18.0.1");
    c.source_v6 = addr("fd00::1");
    return c;
}

const ScanContext kContext = context();
const Address kTarget4 = addr("198.18.1.2");
const Address kTarget6 = addr("fd00::2");
const Address kRouter4 = addr("198.18.0.254");

struct Probe {
    std::vector<std::uint8_t> bytes;
    Address src;
    Address dst;
    std::uint16_t sport = 0;
    std::uint16_t dport = 0;
    std::uint32_t cookie = 0;
};

Probe make(const Module& module, const Address& dst, std::uint16_t dport,
           std::uint8_t tryno = 0) {
    const auto tmpl = module.make_template(kContext, dst.family(), dport);
    EXPECT_TRUE(tmpl.has_value());
    Probe p;
    p.bytes.resize(tmpl->size());
    EXPECT_TRUE(tmpl->write(p.bytes));
    EXPECT_TRUE(module.make_probe(p.bytes, *tmpl, kContext, dst, dport, tryno));
    p.src = *kContext.source(dst.family());
    p.dst = dst;
    p.sport = probe_source_port(kContext, p.src, dst, dport, tryno).value();
    p.dport = dport;
    p.cookie = net::syn_cookie(kContext.key, p.src, dst, p.sport, dport);
    return p;
}

struct TcpReply {
    std::uint16_t flags = 0;
    std::uint32_t seq = 0;
    std::uint32_t ack = 0;
    std::uint16_t window = 0;
};

// A TCP segment from probe.dst:dport to probe.src:sport (or the given overrides).
std::vector<std::uint8_t> tcp_reply(const Probe& probe, const TcpReply& r,
                                    std::optional<Address> from = std::nullopt,
                                    std::optional<std::uint16_t> from_port = std::nullopt) {
    Tins::TCP tcp(probe.sport, from_port.value_or(probe.dport));
    tcp.flags(r.flags);
    tcp.seq(r.seq);
    tcp.ack_seq(r.ack);
    tcp.window(r.window);
    const Address src = from.value_or(probe.dst);
    if (probe.src.is_v4()) {
        Tins::IP ip = Tins::IP(probe.src.to_string(), src.to_string()) / tcp;
        ip.ttl(57);
        return ip.serialize();
    }
    Tins::IPv6 ip = Tins::IPv6(probe.src.to_string(), src.to_string()) / tcp;
    ip.hop_limit(57);
    return ip.serialize();
}

std::vector<std::uint8_t> icmp_error(const Probe& probe, std::uint8_t type, std::uint8_t code,
                                     const Address& from) {
    if (probe.src.is_v4()) {
        Tins::ICMP icmp(static_cast<Tins::ICMP::Flags>(type));
        icmp.code(code);
        Tins::IP ip = Tins::IP(probe.src.to_string(), from.to_string()) / icmp /
                      Tins::RawPDU(probe.bytes);
        return ip.serialize();
    }
    Tins::ICMPv6 icmp(static_cast<Tins::ICMPv6::Types>(type));
    icmp.code(code);
    Tins::IPv6 ip = Tins::IPv6(probe.src.to_string(), from.to_string()) / icmp /
                    Tins::RawPDU(probe.bytes);
    return ip.serialize();
}

std::optional<Reply> validate(const Module& module, const std::vector<std::uint8_t>& frame) {
    const auto parsed = net::parse_frame(frame, net::LinkType::raw_ip);
    EXPECT_TRUE(parsed.has_value());
    if (!parsed) {
        return std::nullopt;
    }
    return module.validate(*parsed, kContext);
}

Verdict verdict_of(const Module& module, const std::vector<std::uint8_t>& frame) {
    const auto reply = validate(module, frame);
    EXPECT_TRUE(reply.has_value());
    return reply ? classify(module.technique(), reply->response) : Verdict{};
}

void expect_state(const Verdict& v, PortState state, Reason reason) {
    EXPECT_TRUE(v.resolved);
    EXPECT_EQ(v.state, state) << to_string(v.state);
    EXPECT_EQ(v.reason, reason) << to_string(v.reason);
}

constexpr std::uint16_t kRst = Tins::TCP::RST;
constexpr std::uint16_t kRstAck = Tins::TCP::RST | Tins::TCP::ACK;
constexpr std::uint16_t kSynAck = Tins::TCP::SYN | Tins::TCP::ACK;

TEST(TechniqueTcp, RegistryHasOneModulePerTechnique) {
    for (int i = 0; i < technique_count; ++i) {
        const auto t = static_cast<Technique>(i);
        EXPECT_EQ(module_for(t).technique(), t);
        EXPECT_EQ(module_for(t).name(), to_string(t));
    }
    EXPECT_FALSE(module_for(Technique::connect).make_template(kContext, Family::v4, 80));
    EXPECT_TRUE(module_for(Technique::connect).bpf_filter(kContext).empty());
}

TEST(TechniqueTcp, ProbesCarryTheFlagsSeqAndAckOfEachTechnique) {
    struct Row {
        Technique technique;
        std::uint16_t flags;
    };
    const Row rows[] = {
        {Technique::syn, Tins::TCP::SYN},
        {Technique::ack, Tins::TCP::ACK},
        {Technique::window, Tins::TCP::ACK},
        {Technique::fin, Tins::TCP::FIN},
        {Technique::null, 0},
        {Technique::xmas, Tins::TCP::FIN | Tins::TCP::PSH | Tins::TCP::URG},
        {Technique::maimon, Tins::TCP::FIN | Tins::TCP::ACK},
    };
    for (const Row& row : rows) {
        for (const Address& dst : {kTarget4, kTarget6}) {
            const Probe p = make(module_for(row.technique), dst, 443, 2);
            const auto size = static_cast<std::uint32_t>(p.bytes.size());
            std::vector<std::uint8_t> reserialized;
            const Tins::TCP* tcp = nullptr;
            std::optional<Tins::IP> ip4;
            std::optional<Tins::IPv6> ip6;
            if (dst.is_v4()) {
                ip4.emplace(p.bytes.data(), size);
                EXPECT_EQ(ip4->dst_addr().to_string(), dst.to_string());
                EXPECT_EQ(ip4->ttl(), 64);
                tcp = &ip4->rfind_pdu<Tins::TCP>();
                reserialized = ip4->serialize();
            } else {
                ip6.emplace(p.bytes.data(), size);
                EXPECT_EQ(ip6->dst_addr().to_string(), dst.to_string());
                tcp = &ip6->rfind_pdu<Tins::TCP>();
                reserialized = ip6->serialize();
            }
            // libtins recomputes the checksums: equal bytes mean ours (incl. the patched ack)
            // are right.
            EXPECT_EQ(reserialized, p.bytes) << to_string(row.technique);
            EXPECT_EQ(tcp->flags(), row.flags) << to_string(row.technique);
            EXPECT_EQ(tcp->dport(), 443);
            EXPECT_EQ(tcp->sport(), p.sport);
            EXPECT_GE(tcp->sport(), kContext.source_port_base);
            EXPECT_EQ(tcp->seq(), p.cookie);
            const bool ack = (row.flags & Tins::TCP::ACK) != 0;
            EXPECT_EQ(tcp->ack_seq(), ack ? p.cookie : 0U) << to_string(row.technique);
            EXPECT_EQ(tcp->window(), 1024);
            const bool syn = row.technique == Technique::syn;
            EXPECT_EQ(tcp->search_option(Tins::TCP::MSS) != nullptr, syn);
        }
    }
}

TEST(TechniqueTcp, SynScanSynAckIsOpenAndRstIsClosed) {
    const Module& syn = module_for(Technique::syn);
    for (const Address& dst : {kTarget4, kTarget6}) {
        const Probe p = make(syn, dst, 22);
        const auto reply = validate(syn, tcp_reply(p, {kSynAck, 777, p.cookie + 1, 64240}));
        ASSERT_TRUE(reply.has_value());
        EXPECT_EQ(reply->target, dst);
        EXPECT_EQ(reply->port, 22);
        EXPECT_EQ(reply->tryno, 0);
        EXPECT_EQ(reply->ttl, 57);
        EXPECT_EQ(reply->responder, dst);
        expect_state(classify(Technique::syn, reply->response), PortState::open,
                     Reason::syn_ack);
        // Linux: RST|ACK, seq 0, ack = SEG.SEQ + 1 (the SYN).
        expect_state(verdict_of(syn, tcp_reply(p, {kRstAck, 0, p.cookie + 1, 0})),
                     PortState::closed, Reason::reset);
        EXPECT_FALSE(validate(syn, tcp_reply(p, {kSynAck, 777, p.cookie, 64240})));
        EXPECT_FALSE(validate(syn, tcp_reply(p, {kSynAck, 777, p.cookie + 2, 64240})));
        EXPECT_FALSE(validate(syn, tcp_reply(p, {kRstAck, 0, p.cookie, 0})));
        EXPECT_FALSE(validate(syn, tcp_reply(p, {Tins::TCP::ACK, 1, p.cookie + 1, 0})));
    }
}

TEST(TechniqueTcp, SynScanBareSynIsSplitHandshake) {
    const Module& syn = module_for(Technique::syn);
    const Probe p = make(syn, kTarget4, 80);
    expect_state(verdict_of(syn, tcp_reply(p, {Tins::TCP::SYN, 99, 0, 1000})), PortState::open,
                 Reason::split_handshake_syn);
    EXPECT_FALSE(validate(module_for(Technique::fin), tcp_reply(p, {Tins::TCP::SYN, 99, 0, 0})));
}

TEST(TechniqueTcp, RepliesWithTheWrongCookiePortOrAddressAreRejected) {
    const Module& syn = module_for(Technique::syn);
    const Probe p = make(syn, kTarget4, 443);
    const TcpReply good{kSynAck, 5, p.cookie + 1, 1000};
    ASSERT_TRUE(validate(syn, tcp_reply(p, good)));
    EXPECT_FALSE(validate(syn, tcp_reply(p, good, addr("198.18.1.3"))));
    EXPECT_FALSE(validate(syn, tcp_reply(p, good, std::nullopt, 444)));
    Probe other_port = p;
    other_port.sport = static_cast<std::uint16_t>(p.sport + 1);
    EXPECT_FALSE(validate(syn, tcp_reply(other_port, good)));
    Probe not_us = p;
    not_us.src = addr("198.18.0.2");
    EXPECT_FALSE(validate(syn, tcp_reply(not_us, good)));
    ScanContext other_key = kContext;
    other_key.key.k1 ^= 1;
    const auto parsed = net::parse_frame(tcp_reply(p, good), net::LinkType::raw_ip);
    ASSERT_TRUE(parsed);
    EXPECT_FALSE(syn.validate(*parsed, other_key));
}

TEST(TechniqueTcp, RetriesUseAnotherSourcePortAndRepliesTellTheTry) {
    const Module& syn = module_for(Technique::syn);
    const Probe first = make(syn, kTarget4, 443, 0);
    const Probe last = make(syn, kTarget4, 443, 10);
    EXPECT_NE(first.sport, last.sport);
    EXPECT_NE(first.cookie, last.cookie);
    const auto reply = validate(syn, tcp_reply(last, {kSynAck, 1, last.cookie + 1, 1}));
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->tryno, 10);
    const auto tmpl = syn.make_template(kContext, Family::v4, 443).value();
    std::vector<std::uint8_t> buf(tmpl.size());
    ASSERT_TRUE(tmpl.write(buf));
    EXPECT_FALSE(syn.make_probe(buf, tmpl, kContext, kTarget4, 443, 11));
    EXPECT_FALSE(syn.make_probe(buf, tmpl, kContext, kTarget6, 443, 0));
    std::vector<std::uint8_t> small(tmpl.size() - 1);
    EXPECT_FALSE(syn.make_probe(small, tmpl, kContext, kTarget4, 443, 0));
}

TEST(TechniqueTcp, AckScanRstIsUnfilteredWindowScanReadsTheWindow) {
    // Linux answers a segment with ACK by <SEQ=SEG.ACK><CTL=RST>: seq = our cookie, ack 0.
    for (const Address& dst : {kTarget4, kTarget6}) {
        const Probe a = make(module_for(Technique::ack), dst, 80);
        expect_state(verdict_of(module_for(Technique::ack), tcp_reply(a, {kRst, a.cookie, 0, 0})),
                     PortState::unfiltered, Reason::reset);
        EXPECT_FALSE(validate(module_for(Technique::ack), tcp_reply(a, {kRst, a.cookie + 1, 0, 0})));
        const Module& window = module_for(Technique::window);
        const Probe w = make(window, dst, 80);
        const auto open = validate(window, tcp_reply(w, {kRst, w.cookie, 0, 512}));
        ASSERT_TRUE(open);
        EXPECT_EQ(open->response.tcp_window, 512);
        expect_state(classify(Technique::window, open->response), PortState::open,
                     Reason::reset);
        expect_state(verdict_of(window, tcp_reply(w, {kRst, w.cookie, 0, 0})), PortState::closed,
                     Reason::reset);
        // A SYN-ACK to an ACK probe is validated but settles nothing.
        const auto stray = validate(window, tcp_reply(w, {kSynAck, 1, w.cookie, 1}));
        ASSERT_TRUE(stray);
        EXPECT_FALSE(classify(Technique::window, stray->response).resolved);
    }
}

TEST(TechniqueTcp, RstToFinNullXmasCarriesAckSeqPlusLength) {
    // RFC 793 / Linux tcp_v4_send_reset for a segment without ACK: <SEQ=0><ACK=SEG.SEQ+SEG.LEN>
    // <CTL=RST,ACK>; FIN counts one, our probes carry no data.
    struct Row {
        Technique technique;
        std::uint32_t ack_offset;
    };
    for (const Row row : {Row{Technique::fin, 1}, Row{Technique::null, 0},
                          Row{Technique::xmas, 1}}) {
        const Module& m = module_for(row.technique);
        for (const Address& dst : {kTarget4, kTarget6}) {
            const Probe p = make(m, dst, 8080);
            const std::uint32_t ack = p.cookie + row.ack_offset;
            expect_state(verdict_of(m, tcp_reply(p, {kRstAck, 0, ack, 0})), PortState::closed,
                         Reason::reset);
            EXPECT_FALSE(validate(m, tcp_reply(p, {kRstAck, 0, ack + 1, 0})));
            EXPECT_FALSE(validate(m, tcp_reply(p, {kRstAck, 0, ack - 1, 0})));
            // The ACK-probe rule (seq == cookie, no ACK flag) does not apply to these probes.
            EXPECT_FALSE(validate(m, tcp_reply(p, {kRst, p.cookie, 0, 0})));
            // The RST's ack only counts with the ACK flag set.
            EXPECT_FALSE(validate(m, tcp_reply(p, {kRst, 0, ack, 0})));
        }
    }
}

TEST(TechniqueTcp, MaimonRstTakesItsSeqFromOurAck) {
    const Module& maimon = module_for(Technique::maimon);
    const Probe p = make(maimon, kTarget4, 80);
    expect_state(verdict_of(maimon, tcp_reply(p, {kRst, p.cookie, 0, 0})), PortState::closed,
                 Reason::reset);
    // A middlebox answering <ACK=SEG.SEQ+SEG.LEN> (FIN counts one) is accepted too.
    expect_state(verdict_of(maimon, tcp_reply(p, {kRstAck, 0, p.cookie + 1, 0})),
                 PortState::closed, Reason::reset);
    EXPECT_FALSE(validate(maimon, tcp_reply(p, {kRst, p.cookie - 1, 0, 0})));
}

TEST(TechniqueTcp, CustomScanflagsCountSynAndFin) {
    auto custom = make_custom_flags_module(net::kTcpSyn | net::kTcpFin);
    ASSERT_TRUE(custom.has_value());
    const Module& m = **custom;
    EXPECT_EQ(m.technique(), Technique::syn);
    EXPECT_EQ(m.name(), "custom");
    const Probe p = make(m, kTarget4, 443);
    Tins::IP ip(p.bytes.data(), static_cast<std::uint32_t>(p.bytes.size()));
    EXPECT_EQ(ip.rfind_pdu<Tins::TCP>().flags(), Tins::TCP::SYN | Tins::TCP::FIN);
    expect_state(verdict_of(m, tcp_reply(p, {kRstAck, 0, p.cookie + 2, 0})), PortState::closed,
                 Reason::reset);
    EXPECT_FALSE(validate(m, tcp_reply(p, {kRstAck, 0, p.cookie + 1, 0})));
    auto as_ack = make_custom_flags_module(net::kTcpUrg, Technique::ack);
    ASSERT_TRUE(as_ack.has_value());
    EXPECT_EQ((*as_ack)->technique(), Technique::ack);
    EXPECT_FALSE(make_custom_flags_module(net::kTcpSyn, Technique::udp).has_value());
    EXPECT_FALSE(make_custom_flags_module(net::kTcpSyn, Technique::connect).has_value());
}

TEST(TechniqueTcp, IcmpErrorsQuotingOurProbe) {
    const Module& syn = module_for(Technique::syn);
    const Probe p = make(syn, kTarget4, 443, 1);
    const auto unreach = validate(syn, icmp_error(p, 3, 3, kTarget4));
    ASSERT_TRUE(unreach);
    EXPECT_EQ(unreach->target, kTarget4);
    EXPECT_EQ(unreach->port, 443);
    EXPECT_EQ(unreach->tryno, 1);
    EXPECT_TRUE(unreach->response.from_target);
    expect_state(classify(Technique::syn, unreach->response), PortState::filtered,
                 Reason::port_unreach);
    const auto prohibited = validate(syn, icmp_error(p, 3, 13, kRouter4));
    ASSERT_TRUE(prohibited);
    EXPECT_FALSE(prohibited->response.from_target);
    EXPECT_EQ(prohibited->responder, kRouter4);
    EXPECT_EQ(prohibited->target, kTarget4);
    expect_state(classify(Technique::syn, prohibited->response), PortState::filtered,
                 Reason::admin_prohibited);
    EXPECT_FALSE(classify(Technique::syn, prohibited->response).host_up);
    // A quote whose seq is not the cookie is not ours.
    Probe forged = p;
    forged.bytes.at(20 + 7) ^= 1U;
    EXPECT_FALSE(validate(syn, icmp_error(forged, 3, 13, kRouter4)));
    // A UDP module does not take a TCP quote.
    EXPECT_FALSE(validate(module_for(Technique::udp), icmp_error(p, 3, 3, kTarget4)));
}

TEST(TechniqueTcp, Icmpv6ErrorsQuotingOurProbe) {
    const Module& fin = module_for(Technique::fin);
    const Probe p = make(fin, kTarget6, 25);
    const auto prohibited = validate(fin, icmp_error(p, 1, 1, addr("fd00::fe")));
    ASSERT_TRUE(prohibited);
    EXPECT_EQ(prohibited->response.icmp_version, IcmpVersion::v6);
    EXPECT_FALSE(prohibited->response.from_target);
    expect_state(classify(Technique::fin, prohibited->response), PortState::filtered,
                 Reason::admin_prohibited);
    expect_state(verdict_of(fin, icmp_error(p, 1, 4, kTarget6)), PortState::filtered,
                 Reason::port_unreach);
    expect_state(verdict_of(fin, icmp_error(p, 3, 0, addr("fd00::fe"))), PortState::filtered,
                 Reason::time_exceeded);
}

TEST(TechniqueTcp, EthernetFramesAndFilters) {
    ScanContext c = kContext;
    c.ethernet_v4 = net::EthernetAddresses{{2, 0, 0, 0, 0, 1}, {2, 0, 0, 0, 0, 2}};
    const Module& syn = module_for(Technique::syn);
    const auto tmpl = syn.make_template(c, Family::v4, 443).value();
    std::vector<std::uint8_t> buf(tmpl.size());
    ASSERT_TRUE(tmpl.write(buf));
    ASSERT_TRUE(syn.make_probe(buf, tmpl, c, kTarget4, 443, 0));
    Tins::EthernetII eth(buf.data(), static_cast<std::uint32_t>(buf.size()));
    EXPECT_EQ(eth.dst_addr().to_string(), "02:00:00:00:00:02");
    EXPECT_EQ(eth.rfind_pdu<Tins::TCP>().dport(), 443);
    const std::string filter = syn.bpf_filter(c);
    EXPECT_NE(filter.find("dst host 198.18.0.1"), std::string::npos) << filter;
    EXPECT_NE(filter.find("dst host fd00::1"), std::string::npos) << filter;
    EXPECT_NE(filter.find("tcp and dst portrange 32768-49151"), std::string::npos) << filter;
    ScanContext none = kContext;
    none.source_v6.reset();
    EXPECT_FALSE(syn.make_template(none, Family::v6, 443).has_value());
    EXPECT_EQ(syn.bpf_filter(none).find("ip6"), std::string::npos);
    ScanContext bad = kContext;
    bad.source_port_base = 60000;
    bad.source_port_count = 10000;
    EXPECT_FALSE(syn.make_template(bad, Family::v4, 443).has_value());
    EXPECT_FALSE(check_context(bad).has_value());
}

}  // namespace
}  // namespace portwarden::techniques

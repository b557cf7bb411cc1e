// The UDP module: probes with per-port payloads, replies validated by the source-port cookie
// and ICMP errors by the quoted header.
#include <gtest/gtest.h>
#include <tins/tins.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "net/packet_view.hpp"
#include "portwarden/classify.hpp"
#include "techniques/technique.hpp"
#include "techniques/udp_payloads.hpp"

namespace portwarden::techniques {
namespace {

Address addr(const char* text) { return Address::parse(text).value(); }

ScanContext context() {
    ScanContext c;
    c.key = net::SipKey{0x1111, 0x2222};
    c.source_v4 = addr("198.18.0.1");
    c.source_v6 = addr("fd00::1");
    return c;
}

const ScanContext kContext = context();
const Module& udp_module() { return module_for(Technique::udp); }

struct Probe {
    std::vector<std::uint8_t> bytes;
    Address src;
    Address dst;
    std::uint16_t sport = 0;
    std::uint16_t dport = 0;
};

Probe make(const Address& dst, std::uint16_t dport, std::uint8_t tryno = 0) {
    const auto tmpl = udp_module().make_template(kContext, dst.family(), dport);
    EXPECT_TRUE(tmpl.has_value());
    Probe p;
    p.bytes.resize(tmpl->size());
    EXPECT_TRUE(tmpl->write(p.bytes));
    EXPECT_TRUE(udp_module().make_probe(p.bytes, *tmpl, kContext, dst, dport, tryno));
    p.src = *kContext.source(dst.family());
    p.dst = dst;
    p.sport = probe_source_port(kContext, p.src, dst, dport, tryno).value();
    p.dport = dport;
    return p;
}

std::vector<std::uint8_t> udp_reply(const Probe& p, std::uint16_t from_port,
                                    std::uint16_t to_port, const Address& from) {
    const Tins::RawPDU data(std::vector<std::uint8_t>{1, 2, 3});
    if (p.src.is_v4()) {
        return (Tins::IP(p.src.to_string(), from.to_string()) / Tins::UDP(to_port, from_port) /
                data)
            .serialize();
    }
    return (Tins::IPv6(p.src.to_string(), from.to_string()) / Tins::UDP(to_port, from_port) /
            data)
        .serialize();
}

std::vector<std::uint8_t> icmp_error(const std::vector<std::uint8_t>& quote, const Probe& p,
                                     std::uint8_t type, std::uint8_t code, const Address& from) {
    if (p.src.is_v4()) {
        Tins::ICMP icmp(static_cast<Tins::ICMP::Flags>(type));
        icmp.code(code);
        return (Tins::IP(p.src.to_string(), from.to_string()) / icmp / Tins::RawPDU(quote))
            .serialize();
    }
    Tins::ICMPv6 icmp(static_cast<Tins::ICMPv6::Types>(type));
    icmp.code(code);
    return (Tins::IPv6(p.src.to_string(), from.to_string()) / icmp / Tins::RawPDU(quote))
        .serialize();
}

std::optional<Reply> validate(const std::vector<std::uint8_t>& frame) {
    const auto parsed = net::parse_frame(frame, net::LinkType::raw_ip);
    EXPECT_TRUE(parsed.has_value());
    return parsed ? udp_module().validate(*parsed, kContext) : std::nullopt;
}

void expect_state(const std::optional<Reply>& reply, PortState state, Reason reason) {
    ASSERT_TRUE(reply.has_value());
    const Verdict v = classify(Technique::udp, reply->response);
    EXPECT_TRUE(v.resolved);
    EXPECT_EQ(v.state, state) << to_string(v.state);
    EXPECT_EQ(v.reason, reason) << to_string(v.reason);
}

TEST(TechniqueUdp, ProbesCarryThePayloadOfTheirPort) {
    std::vector<std::uint16_t> ports(udp_payload_ports().begin(), udp_payload_ports().end());
    ports.push_back(9999);
    for (const std::uint16_t port : ports) {
        for (const Address& dst : {addr("198.18.1.2"), addr("fd00::2")}) {
            const Probe p = make(dst, port, 4);
            const auto size = static_cast<std::uint32_t>(p.bytes.size());
            const auto expected = udp_payload(port);
            std::vector<std::uint8_t> reserialized;
            const Tins::UDP* udp = nullptr;
            std::optional<Tins::IP> ip4;
            std::optional<Tins::IPv6> ip6;
            if (dst.is_v4()) {
                ip4.emplace(p.bytes.data(), size);
                udp = &ip4->rfind_pdu<Tins::UDP>();
                reserialized = ip4->serialize();
            } else {
                ip6.emplace(p.bytes.data(), size);
                udp = &ip6->rfind_pdu<Tins::UDP>();
                reserialized = ip6->serialize();
            }
            EXPECT_EQ(reserialized, p.bytes) << port;  // checksums recomputed by libtins
            EXPECT_EQ(udp->dport(), port);
            EXPECT_EQ(udp->sport(), p.sport);
            const auto* raw = udp->find_pdu<Tins::RawPDU>();
            if (expected.empty()) {
                EXPECT_EQ(raw, nullptr);
                EXPECT_EQ(udp_module().template_variant(port), 0U);
            } else {
                ASSERT_NE(raw, nullptr) << port;
                EXPECT_EQ(raw->payload(),
                          std::vector<std::uint8_t>(expected.begin(), expected.end()));
                EXPECT_EQ(udp_module().template_variant(port), port);
            }
        }
    }
}

TEST(TechniqueUdp, ReplyFromTheProbedPortIsOpen) {
    for (const Address& dst : {addr("198.18.1.2"), addr("fd00::2")}) {
        const Probe p = make(dst, 53, 2);
        const auto reply = validate(udp_reply(p, 53, p.sport, dst));
        expect_state(reply, PortState::open, Reason::udp_response);
        EXPECT_EQ(reply->target, dst);
        EXPECT_EQ(reply->port, 53);
        EXPECT_EQ(reply->tryno, 2);
        EXPECT_FALSE(validate(udp_reply(p, 54, p.sport, dst)));
        EXPECT_FALSE(validate(udp_reply(p, 53, static_cast<std::uint16_t>(p.sport + 100), dst)));
        EXPECT_FALSE(validate(
            udp_reply(p, 53, p.sport, dst.is_v4() ? addr("198.18.1.3") : addr("fd00::3"))));
    }
}

TEST(TechniqueUdp, TftpAnswerFromANewPortCountsForPort69) {
    const Address dst = addr("198.18.1.2");
    const Probe p = make(dst, 69);
    const auto reply = validate(udp_reply(p, 51234, p.sport, dst));
    expect_state(reply, PortState::open, Reason::udp_response);
    EXPECT_EQ(reply->port, 69);
    // From a privileged port it is not TFTP's new port: junk of another service (pw_hostile's
    // unsolicited datagrams from its ports 1-480) never counts for port 69.
    for (const std::uint16_t from : {std::uint16_t{7}, std::uint16_t{53}, std::uint16_t{480}, std::uint16_t{1023}}) {
        EXPECT_FALSE(validate(udp_reply(p, from, p.sport, dst))) << from;
    }
}

TEST(TechniqueUdp, IcmpErrorsQuotingOurDatagram) {
    const Address dst = addr("198.18.1.2");
    const Probe p = make(dst, 161, 1);
    const auto closed = validate(icmp_error(p.bytes, p, 3, 3, dst));
    expect_state(closed, PortState::closed, Reason::port_unreach);
    EXPECT_EQ(closed->port, 161);
    EXPECT_EQ(closed->tryno, 1);
    EXPECT_TRUE(classify(Technique::udp, closed->response).host_up);
    const auto router = addr("198.18.0.254");
    const auto prohibited = validate(icmp_error(p.bytes, p, 3, 13, router));
    expect_state(prohibited, PortState::filtered, Reason::admin_prohibited);
    EXPECT_FALSE(prohibited->response.from_target);
    EXPECT_EQ(prohibited->responder, router);
    // A port unreachable from a router does not close the port.
    expect_state(validate(icmp_error(p.bytes, p, 3, 3, router)), PortState::filtered,
                 Reason::port_unreach);
    // The quoted source port must be the one derived for the flow.
    std::vector<std::uint8_t> forged = p.bytes;
    forged.at(21) ^= 0x80U;  // sport +- 128: no try of this flow
    EXPECT_FALSE(validate(icmp_error(forged, p, 3, 3, dst)));
}

TEST(TechniqueUdp, Icmpv6PortUnreachableIsClosed) {
    const Address dst = addr("fd00::2");
    const Probe p = make(dst, 123);
    expect_state(validate(icmp_error(p.bytes, p, 1, 4, dst)), PortState::closed,
                 Reason::port_unreach);
    expect_state(validate(icmp_error(p.bytes, p, 1, 1, addr("fd00::fe"))), PortState::filtered,
                 Reason::admin_prohibited);
}

TEST(TechniqueUdp, FilterAndTcpRepliesAreNotOurs) {
    const std::string filter = udp_module().bpf_filter(kContext);
    EXPECT_NE(filter.find("udp and dst portrange 32768-49151"), std::string::npos) << filter;
    EXPECT_NE(filter.find("icmp6"), std::string::npos) << filter;
    const Probe p = make(addr("198.18.1.2"), 53);
    Tins::TCP tcp(p.sport, 53);
    tcp.flags(Tins::TCP::RST);
    EXPECT_FALSE(validate((Tins::IP("198.18.0.1", "198.18.1.2") / tcp).serialize()));
}

}  // namespace
}  // namespace portwarden::techniques

// The reader and the predictor on real `nft -j list ruleset` dumps of rulesets/*.nft, made by
// dump_test.sh in a namespace of its own (PW_FW_DUMPS names the directory).
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "portwarden/firewall.hpp"

namespace portwarden::firewall {
namespace {

Ruleset load(const std::string& name, const std::string& ext = ".json") {
    const char* dir = std::getenv("PW_FW_DUMPS");
    if (dir == nullptr) {
        ADD_FAILURE() << "PW_FW_DUMPS is not set: run this through dump_test.sh";
        return {};
    }
    auto rs = load_ruleset(std::string(dir) + "/" + name + ext);
    EXPECT_TRUE(rs) << (rs ? "" : rs.error().message);
    return rs ? *rs : Ruleset{};
}

Packet probe(const char* dst, std::uint16_t port, Proto proto = Proto::tcp) {
    Packet p;
    p.src = Address::parse(Address::parse(dst)->is_v4() ? "198.18.0.2" : "fd00::2");
    p.dst = *Address::parse(dst);
    p.proto = proto;
    p.dport = port;
    p.iif = "veth0";
    return p;
}

Listeners nothing_listens() {
    Listeners l;
    l.known = true;
    return l;
}

std::uint64_t handle(const Decision& d) { return d.rule ? d.rule->handle : 0; }

std::string text(const Decision& d) { return d.rule ? rule_text(*d.rule) : "(policy)"; }

Expected only(const Prediction& p) {
    EXPECT_EQ(p.expected.size(), 1U) << describe(p.decision);
    return p.expected.empty() ? Expected{} : p.expected.front();
}

constexpr const char* v4 = "198.18.2.10";
constexpr const char* v6 = "fd00:0:0:2::10";

TEST(FirewallDump, FeaturesSetsMapsAndVerdicts) {
    const auto rs = load("features");
    const auto d = [&](const char* dst, std::uint16_t port, Technique t = Technique::syn, Proto pr = Proto::tcp) {
        return decide(rs, probe(dst, port, pr), t);
    };
    EXPECT_EQ(text(d(v4, 22)), "saddr . tcp dport @allowed accept");  // concatenated interval set
    EXPECT_EQ(d(v4, 25).outcome, Outcome::drop);                   // named verdict map
    EXPECT_EQ(text(d(v4, 25)), "tcp dport vmap @m");
    EXPECT_EQ(d(v4, 26).outcome, Outcome::accept);
    EXPECT_EQ(text(d(v4, 80)), "tcp dport { 22, 80 } accept");
    EXPECT_EQ(text(d(v4, 1500)), "tcp dport 1000-2000 drop");
    EXPECT_EQ(text(d(v4, 5000)), "th dport 5000 reject with icmp type host-unreachable");
    EXPECT_EQ(text(d(v4, 8080)), "tcp dport 8080 reject with icmpx type port-unreachable");
    EXPECT_EQ(text(d(v4, 8082)), "tcp dport 8082 reject with tcp reset");
    EXPECT_EQ(text(d(v4, 7000)), "tcp flags syn tcp dport 7000 drop");
    EXPECT_EQ(text(d(v4, 30, Technique::udp, Proto::udp)), "udp dport vmap { 30 : drop, 31 : jump sub }");
    EXPECT_EQ(text(d(v4, 60001, Technique::udp, Proto::udp)), "udp dport 60001-65535 drop");
    EXPECT_EQ(text(d(v4, 22, Technique::fin)), "ct state \"invalid\" drop");
}

TEST(FirewallDump, FeaturesPathsAndDependencies) {
    const auto rs = load("features");
    const auto d = [&](const char* dst, std::uint16_t port, Technique t = Technique::syn, Proto pr = Proto::tcp) {
        return decide(rs, probe(dst, port, pr), t);
    };
    // `reject with icmp` only applies to IPv4; an IPv6 SYN goes on to the rate-limited accept.
    const auto v6_5000 = d(v6, 5000);
    EXPECT_EQ(v6_5000.outcome, Outcome::accept);
    EXPECT_TRUE(v6_5000.rate_dependent);
    EXPECT_EQ(d(v6, 9, Technique::udp, Proto::udp).reject.kind, Reject::Kind::icmpv6);
    // fd00::/8 jumps to sub, which drops UDP 1-10 and 20; 31 jumps there too and comes back.
    EXPECT_EQ(text(d(v6, 5, Technique::udp, Proto::udp)), "udp dport { 1-10, 20 } drop");
    EXPECT_EQ(d(v4, 31, Technique::udp, Proto::udp).outcome, Outcome::accept);
    EXPECT_TRUE(d(v4, 31, Technique::udp, Proto::udp).by_policy);
    // An ACK is not a bare SYN: the last rule drops it, except on 9999.
    EXPECT_EQ(text(d(v4, 7000, Technique::ack)), "meta nfproto \"ipv4\" tcp dport != 9999 drop");
    EXPECT_EQ(d(v4, 9999, Technique::ack).outcome, Outcome::accept);
    // The loopback interface accepts everything.
    Packet lo = probe(v4, 1500);
    lo.iif = "lo";
    EXPECT_EQ(text(decide(rs, lo, Technique::syn)), "iif \"lo\" accept");
    // `iifname "eth0" oifname "eth1"`: no output interface on the input path, never matches.
    Packet no_iif = probe(v4, 9, Proto::udp);
    no_iif.iif.clear();
    EXPECT_TRUE(decide(rs, no_iif, Technique::udp).by_policy);
    // Without the probe's source, `ip saddr . tcp dport @allowed` cannot be decided.
    Packet no_src = probe(v4, 22);
    no_src.src.reset();
    const auto unknown = decide(rs, no_src, Technique::syn);
    EXPECT_EQ(unknown.outcome, Outcome::unknown);
    EXPECT_EQ(unknown.why_unknown, "it depends on saddr, which is not known");
}

TEST(FirewallDump, FeaturesPredictedStates) {
    const auto rs = load("features");
    const auto l = nothing_listens();
    const auto at = [&](const char* dst, std::uint16_t port, Technique t = Technique::syn, Proto pr = Proto::tcp) {
        return only(predict(rs, probe(dst, port, pr), t, l));
    };
    EXPECT_EQ(at(v4, 1500), (Expected{PortState::filtered, Reason::no_response}));
    EXPECT_EQ(at(v4, 5000), (Expected{PortState::filtered, Reason::host_unreach}));
    EXPECT_EQ(at(v4, 8080), (Expected{PortState::filtered, Reason::port_unreach}));
    EXPECT_EQ(at(v6, 8081), (Expected{PortState::filtered, Reason::admin_prohibited}));
    EXPECT_EQ(at(v4, 8082), (Expected{PortState::closed, Reason::reset}));
    EXPECT_EQ(at(v4, 26), (Expected{PortState::closed, Reason::reset}));  // accepted, nothing listens
    EXPECT_EQ(at(v4, 9999, Technique::ack), (Expected{PortState::unfiltered, Reason::reset}));
    EXPECT_EQ(at(v4, 7000, Technique::ack), (Expected{PortState::filtered, Reason::no_response}));
    EXPECT_EQ(at(v4, 30, Technique::udp, Proto::udp), (Expected{PortState::open_filtered, Reason::no_response}));
    EXPECT_EQ(at(v4, 31, Technique::udp, Proto::udp), (Expected{PortState::closed, Reason::port_unreach}));
    EXPECT_EQ(at(v6, 9, Technique::udp, Proto::udp).state, PortState::filtered);
}

TEST(FirewallDump, TwoTablesEveryBaseChainDecides) {
    const auto rs = load("two_tables");
    const auto l = nothing_listens();
    // ip early accepts 22, but inet late (priority 0) drops it by policy.
    const auto d22 = decide(rs, probe(v4, 22), Technique::syn);
    EXPECT_EQ(d22.outcome, Outcome::drop);
    EXPECT_TRUE(d22.by_policy);
    EXPECT_EQ(d22.chain, "inet late in");
    EXPECT_EQ(describe(d22), "policy drop of chain inet late in");
    EXPECT_EQ(text(decide(rs, probe(v4, 80), Technique::syn)), "tcp dport @web accept");
    EXPECT_EQ(handle(decide(rs, probe(v4, 443), Technique::syn)), 4U);
    // ip6 v6only (priority 10) rejects what inet late accepted, for IPv6 only.
    EXPECT_EQ(only(predict(rs, probe(v6, 443), Technique::syn, l)),
              (Expected{PortState::filtered, Reason::admin_prohibited}));
    EXPECT_EQ(only(predict(rs, probe(v4, 443), Technique::syn, l)), (Expected{PortState::closed, Reason::reset}));
    EXPECT_EQ(only(predict(rs, probe(v4, 54, Proto::udp), Technique::udp, l)),
              (Expected{PortState::closed, Reason::port_unreach}));
    EXPECT_EQ(decide(rs, probe(v4, 22), Technique::ack).outcome, Outcome::drop);  // a lone ACK is ct state new
}

// The same iptables rulesets saved by both backends decide the same.
TEST(FirewallDump, IptablesLegacyAndNftBackends) {
    for (const std::string backend : {"legacy", "nft"}) {
        SCOPED_TRACE(backend);
        const auto rs4 = load("host4", "." + backend + ".rules");
        const auto rs6 = load("host6", "." + backend + ".rules");
        const auto l = nothing_listens();
        const auto d = [&](std::uint16_t port, Technique t = Technique::syn, Proto pr = Proto::tcp) {
            return decide(rs4, probe(v4, port, pr), t);
        };
        const auto at = [&](std::uint16_t port, Technique t = Technique::syn, Proto pr = Proto::tcp) {
            return only(predict(rs4, probe(v4, port, pr), t, l));
        };
        EXPECT_EQ(text(d(22)), "saddr 198.18.0.0-198.18.255.255 tcp dport 22 accept");
        Packet elsewhere = probe(v4, 22);
        elsewhere.src = Address::parse("198.19.0.2");
        EXPECT_EQ(describe(decide(rs4, elsewhere, Technique::syn)), "policy drop of chain ip filter INPUT");
        EXPECT_EQ(describe(d(80)).substr(0, 30), "rule ip filter SERVICES handle");  // -j SERVICES, its ACCEPT
        EXPECT_TRUE(d(443).by_policy);                                             // SERVICES returns 443
        EXPECT_EQ(at(8080), (Expected{PortState::closed, Reason::reset}));
        EXPECT_TRUE(d(9000).rate_dependent);
        EXPECT_EQ(d(9000).outcome, Outcome::accept);
        EXPECT_TRUE(d(9000, Technique::ack).by_policy);  // not a bare SYN
        EXPECT_EQ(at(7500), (Expected{PortState::filtered, Reason::admin_prohibited}));
        EXPECT_EQ(at(5353, Technique::udp, Proto::udp), (Expected{PortState::closed, Reason::port_unreach}));
        EXPECT_EQ(d(53, Technique::udp, Proto::udp).outcome, Outcome::accept);
        EXPECT_EQ(at(500, Technique::udp, Proto::udp), (Expected{PortState::open_filtered, Reason::no_response}));
        EXPECT_EQ(text(d(22, Technique::fin)), "ct state \"invalid\" drop");
        Packet lo = probe(v4, 1);
        lo.iif = "lo";
        EXPECT_EQ(decide(rs4, lo, Technique::syn).outcome, Outcome::accept);
        // ip6tables: fd00::/8 may reach 22, nobody else; an unknown source cannot be decided.
        EXPECT_EQ(decide(rs6, probe(v6, 22), Technique::syn).outcome, Outcome::accept);
        Packet no_src = probe(v6, 22);
        no_src.src.reset();
        EXPECT_EQ(decide(rs6, no_src, Technique::syn).outcome, Outcome::unknown);
        EXPECT_EQ(only(predict(rs6, probe(v6, 8081), Technique::syn, l)),
                  (Expected{PortState::filtered, Reason::admin_prohibited}));
        EXPECT_EQ(only(predict(rs6, probe(v6, 9, Proto::udp), Technique::udp, l)),
                  (Expected{PortState::closed, Reason::port_unreach}));
        // Each family's rules leave the other family alone.
        EXPECT_TRUE(decide(rs4, probe(v6, 7500), Technique::syn).by_policy);
    }
}

}  // namespace
}  // namespace portwarden::firewall

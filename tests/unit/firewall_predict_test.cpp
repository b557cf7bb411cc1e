// The firewall predictor as a pure function: rulesets built in code (the reader is tested on
// real `nft -j` dumps by tests/firewall), every verdict kind x every technique.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "port_result_builder.hpp"
#include "portwarden/firewall.hpp"

namespace portwarden::firewall {
namespace {

Atom port(std::uint64_t lo, std::uint64_t hi) { return number_atom(lo, hi); }
Match dport(std::uint64_t lo, std::uint64_t hi) { return field_match(Field::dport, {{port(lo, hi)}}); }
Match of(Field f, Atom a) { return field_match(f, {{std::move(a)}}); }
Atom name(std::string n) { return name_atom(std::move(n)); }

Match l4(std::uint64_t proto) {
    Match m = field_match(Field::l4proto, {{port(proto, proto)}});
    m.implied = true;
    return m;
}

Rule rule(std::vector<Match> matches, Action action, std::uint64_t handle, std::string target = "") {
    Rule r;
    r.family = "inet";
    r.table = "t";
    r.chain = "input";
    r.handle = handle;
    r.matches = std::move(matches);
    r.verdict.action = action;
    r.verdict.target = std::move(target);
    return r;
}

Rule reject_rule(std::vector<Match> matches, Reject::Kind kind, std::string type, std::uint64_t handle) {
    Rule r = rule(std::move(matches), Action::reject, handle);
    r.verdict.reject = Reject{kind, std::move(type)};
    return r;
}

Chain base(std::string name, std::vector<Rule> rules, Action policy = Action::accept, std::int64_t prio = 0) {
    Chain c;
    c.family = "inet";
    c.table = "t";
    c.name = std::move(name);
    c.hook = "input";
    c.priority = prio;
    c.policy = policy;
    for (auto& r : rules) {
        r.chain = c.name;
    }
    c.rules = std::move(rules);
    return c;
}

// The range's firewalled host (tests/range/range.sh fw_ruleset), as the model holds it.
Ruleset range_like() {
    Ruleset rs;
    rs.source = "test";
    rs.chains.push_back(base("input", {
        rule({l4(6), dport(22, 22)}, Action::accept, 2),
        rule({l4(6), dport(443, 443)}, Action::drop, 3),
        reject_rule({l4(6), dport(8080, 8080)}, Reject::Kind::icmpx, "port-unreachable", 4),
        reject_rule({l4(6), dport(8081, 8081)}, Reject::Kind::icmpx, "admin-prohibited", 5),
        reject_rule({l4(6), dport(8082, 8082)}, Reject::Kind::tcp_reset, "", 6),
        rule({l4(17), dport(161, 161)}, Action::drop, 7),
        reject_rule({l4(17), dport(137, 137)}, Reject::Kind::icmpx, "admin-prohibited", 8),
    }));
    return rs;
}

Listeners listening(std::vector<std::pair<Proto, std::uint16_t>> ports) {
    Listeners l;
    l.known = true;
    for (const auto& [proto, p] : ports) {
        l.list.push_back(Listener{proto, std::nullopt, std::nullopt, p});
    }
    return l;
}

Packet probe(std::uint16_t port, Proto proto = Proto::tcp, const char* dst = "198.18.2.10") {
    Packet p;
    p.src = Address::parse("198.18.0.2");
    p.dst = *Address::parse(dst);
    p.proto = proto;
    p.dport = port;
    return p;
}

Expected ex(PortState s, Reason r) { return Expected{s, r}; }

std::vector<Expected> one(PortState s, Reason r) { return {ex(s, r)}; }

TEST(FirewallPredict, SynScanEveryVerdictKind) {
    const auto rs = range_like();
    const auto l = listening({{Proto::tcp, 22}, {Proto::tcp, 443}, {Proto::tcp, 8080}, {Proto::tcp, 8082}});
    const auto at = [&](std::uint16_t p) { return predict(rs, probe(p), Technique::syn, l).expected; };
    EXPECT_EQ(at(22), one(PortState::open, Reason::syn_ack));
    EXPECT_EQ(at(443), one(PortState::filtered, Reason::no_response));
    EXPECT_EQ(at(8080), one(PortState::filtered, Reason::port_unreach));
    EXPECT_EQ(at(8081), one(PortState::filtered, Reason::admin_prohibited));
    EXPECT_EQ(at(8082), one(PortState::closed, Reason::reset));  // stealth: a listener, still "closed"
    EXPECT_EQ(at(9999), one(PortState::closed, Reason::reset));  // accepted by policy, nothing listens
}

TEST(FirewallPredict, V6RejectsUseIcmpv6Codes) {
    const auto rs = range_like();
    const auto l = listening({});
    const auto at = [&](std::uint16_t p) { return predict(rs, probe(p, Proto::tcp, "fd00:0:0:2::10"), Technique::syn, l).expected; };
    EXPECT_EQ(at(8080), one(PortState::filtered, Reason::port_unreach));
    EXPECT_EQ(at(8081), one(PortState::filtered, Reason::admin_prohibited));
}

TEST(FirewallPredict, OtherTcpTechniques) {
    const auto rs = range_like();
    const auto l = listening({{Proto::tcp, 22}});
    const auto at = [&](std::uint16_t p, Technique t) { return predict(rs, probe(p), t, l).expected; };
    EXPECT_EQ(at(22, Technique::ack), one(PortState::unfiltered, Reason::reset));
    EXPECT_EQ(at(443, Technique::ack), one(PortState::filtered, Reason::no_response));
    EXPECT_EQ(at(8082, Technique::ack), one(PortState::unfiltered, Reason::reset));
    EXPECT_EQ(at(22, Technique::connect), one(PortState::open, Reason::syn_ack));
    EXPECT_EQ(at(9999, Technique::connect), one(PortState::closed, Reason::conn_refused));
    EXPECT_EQ(at(8082, Technique::connect), one(PortState::closed, Reason::conn_refused));
    EXPECT_EQ(at(22, Technique::fin), one(PortState::open_filtered, Reason::no_response));
    EXPECT_EQ(at(9999, Technique::null), one(PortState::closed, Reason::reset));
    EXPECT_EQ(at(443, Technique::xmas), one(PortState::open_filtered, Reason::no_response));
    EXPECT_EQ(at(8081, Technique::fin), one(PortState::filtered, Reason::admin_prohibited));
}

TEST(FirewallPredict, UdpPortUnreachableIsClosedAdminProhibitedFiltered) {
    auto rs = range_like();
    rs.chains[0].rules.push_back(reject_rule({l4(17), dport(99, 99)}, Reject::Kind::icmpx, "port-unreachable", 9));
    const auto l = listening({{Proto::udp, 53}, {Proto::udp, 161}});
    const auto at = [&](std::uint16_t p) { return predict(rs, probe(p, Proto::udp), Technique::udp, l); };
    EXPECT_EQ(at(99).expected, one(PortState::closed, Reason::port_unreach));  // the firewall's, nmap can't tell
    EXPECT_EQ(at(137).expected, one(PortState::filtered, Reason::admin_prohibited));
    EXPECT_EQ(at(161).expected, one(PortState::open_filtered, Reason::no_response));
    EXPECT_EQ(at(7).expected, one(PortState::closed, Reason::port_unreach));
    const auto open = at(53);
    ASSERT_EQ(open.expected.size(), 2U);  // depends on whether the service answers the probe
    EXPECT_EQ(open.expected[0], ex(PortState::open, Reason::udp_response));
    EXPECT_EQ(open.expected[1], ex(PortState::open_filtered, Reason::no_response));
}

TEST(FirewallPredict, WithoutListenersAnAcceptedPortDependsOnIt) {
    const auto p = predict(range_like(), probe(22), Technique::syn, Listeners{});
    ASSERT_EQ(p.expected.size(), 2U);
    EXPECT_EQ(p.expected[0], ex(PortState::open, Reason::syn_ack));
    EXPECT_EQ(p.expected[1], ex(PortState::closed, Reason::reset));
    EXPECT_NE(p.depends.find("listens"), std::string::npos);
}

TEST(FirewallPredict, DecisiveRuleIsNamed) {
    const auto d = decide(range_like(), probe(443), Technique::syn);
    ASSERT_TRUE(d.rule.has_value());
    EXPECT_EQ(d.rule->handle, 3U);
    EXPECT_EQ(d.chain, "inet t input");
    EXPECT_EQ(describe(d), "rule inet t input handle 3: tcp dport 443 drop");
    const auto policy = decide(range_like(), probe(1), Technique::syn);
    EXPECT_TRUE(policy.by_policy);
    EXPECT_EQ(describe(policy), "policy accept of chain inet t input");
}

TEST(FirewallPredict, JumpGotoReturnAndPolicy) {
    Ruleset rs;
    rs.chains.push_back(base("input", {
        rule({dport(1, 100)}, Action::jump, 1, "low"),
        rule({dport(1, 200)}, Action::go_to, 2, "mid"),
        rule({dport(300, 300)}, Action::accept, 3),
    }, Action::drop));
    Chain low;
    low.family = "inet";
    low.table = "t";
    low.name = "low";
    low.rules = {rule({dport(22, 22)}, Action::accept, 10), rule({dport(50, 60)}, Action::ret, 11),
                 rule({dport(1, 100)}, Action::drop, 12)};
    Chain mid = low;
    mid.name = "mid";
    mid.rules = {rule({dport(150, 150)}, Action::accept, 20)};
    rs.chains.push_back(low);
    rs.chains.push_back(mid);
    const auto outcome = [&](std::uint16_t p) { return decide(rs, probe(p), Technique::syn); };
    EXPECT_EQ(outcome(22).outcome, Outcome::accept);
    EXPECT_EQ(outcome(22).rule->handle, 10U);
    EXPECT_EQ(outcome(7).outcome, Outcome::drop);   // low drops
    EXPECT_EQ(outcome(7).rule->handle, 12U);
    // returned from low, then goto mid, which ends: the base chain ends too, its policy drops
    EXPECT_EQ(outcome(55).outcome, Outcome::drop);
    EXPECT_TRUE(outcome(55).by_policy);
    EXPECT_EQ(outcome(150).rule->handle, 20U);
    // goto mid, mid ends: the base chain ends (rule 3 is not reached): policy drop
    EXPECT_EQ(outcome(199).outcome, Outcome::drop);
    EXPECT_TRUE(outcome(199).by_policy);
    EXPECT_EQ(outcome(300).rule->handle, 3U);
    EXPECT_EQ(outcome(301).outcome, Outcome::drop);
}

TEST(FirewallPredict, AcceptEndsOnlyItsBaseChain) {
    Ruleset rs;
    rs.chains.push_back(base("first", {rule({dport(22, 22)}, Action::accept, 1)}, Action::accept, -10));
    auto second = base("second", {rule({dport(22, 22)}, Action::drop, 2)}, Action::accept, 10);
    second.table = "u";
    second.rules[0].table = "u";
    rs.chains.push_back(second);
    const auto d = decide(rs, probe(22), Technique::syn);
    EXPECT_EQ(d.outcome, Outcome::drop);
    EXPECT_EQ(d.chain, "inet u second");
}

TEST(FirewallPredict, UnknownSourceOrExpressionGivesUnknownNeverAGuess) {
    Ruleset rs;
    Atom a;
    a.kind = Atom::Kind::address;
    a.first = *Address::parse("198.18.0.0");
    a.last = *Address::parse("198.18.0.255");
    const Match src = of(Field::saddr, a);
    Match weird;
    weird.fields = {Field::unknown};
    weird.unknown = "meta mark";
    rs.chains.push_back(base("input", {rule({src, dport(22, 22)}, Action::accept, 1),
                                       rule({weird, dport(80, 80)}, Action::drop, 2)}, Action::drop));
    Packet anywhere = probe(22);
    anywhere.src.reset();
    const auto d = decide(rs, anywhere, Technique::syn);
    EXPECT_EQ(d.outcome, Outcome::unknown);
    EXPECT_NE(d.why_unknown.find("saddr"), std::string::npos);
    EXPECT_EQ(decide(rs, probe(22), Technique::syn).outcome, Outcome::accept);  // the source given
    const auto mark = decide(rs, probe(80), Technique::syn);
    EXPECT_EQ(mark.outcome, Outcome::unknown);
    EXPECT_NE(mark.why_unknown.find("meta mark"), std::string::npos);
    EXPECT_TRUE(predict(rs, probe(80), Technique::syn, Listeners{}).expected.empty());
    EXPECT_EQ(decide(rs, probe(81), Technique::syn).outcome, Outcome::drop);  // dport settles it: not reached
}

TEST(FirewallPredict, CtStateAndTcpFlags) {
    Ruleset rs;
    const Match invalid = of(Field::ct_state, name("invalid"));
    Match syn_only;
    syn_only.fields = {Field::tcp_flags};
    syn_only.mask = 0x17;
    syn_only.elements = {Element{port(0x02, 0x02)}};
    syn_only.op = Op::ne;
    rs.chains.push_back(base("input", {rule({invalid}, Action::drop, 1), rule({l4(6), syn_only, dport(80, 80)}, Action::drop, 2)}));
    EXPECT_EQ(decide(rs, probe(22), Technique::fin).outcome, Outcome::drop);   // FIN without a connection
    EXPECT_EQ(decide(rs, probe(22), Technique::null).outcome, Outcome::drop);
    EXPECT_EQ(decide(rs, probe(22), Technique::syn).outcome, Outcome::accept);
    EXPECT_EQ(decide(rs, probe(80), Technique::ack).rule->handle, 2U);  // not a bare SYN
    EXPECT_EQ(decide(rs, probe(80), Technique::syn).outcome, Outcome::accept);
}

TEST(FirewallPredict, AnOutputChainThatCouldStopTheReplyMakesItUnknown) {
    auto rs = range_like();
    auto out = base("output", {}, Action::drop);
    out.hook = "output";
    rs.chains.push_back(out);
    const auto d = decide(rs, probe(22), Technique::syn);
    EXPECT_EQ(d.outcome, Outcome::unknown);
    EXPECT_EQ(d.why_unknown, "the reply passes chain inet t output (policy drop), which the model does not walk");
    EXPECT_EQ(decide(rs, probe(443), Technique::syn).outcome, Outcome::drop);  // no reply to stop
    rs.chains.back().policy = Action::accept;  // an empty accepting output chain stops nothing
    EXPECT_EQ(decide(rs, probe(22), Technique::syn).outcome, Outcome::accept);
}

TEST(FirewallPredict, LimitIsFlaggedRateDependent) {
    auto rs = range_like();
    rs.chains[0].rules[0].rate_dependent = true;
    const auto d = decide(rs, probe(22), Technique::syn);
    EXPECT_EQ(d.outcome, Outcome::accept);
    EXPECT_TRUE(d.rate_dependent);
}

TEST(FirewallListeners, SsOutputForms) {
    const std::string text =
        "Netid State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process\n"
        "udp   UNCONN 0      0      127.0.0.53%lo:53   0.0.0.0:*\n"
        "tcp   LISTEN 0      4096   0.0.0.0:22         0.0.0.0:*\n"
        "tcp   LISTEN 0      511    [fd00::1]:80       [::]:*\n"
        "tcp   LISTEN 0      511    *:8080             *:*\n";
    const auto l = parse_ss(text, "ss.txt");
    ASSERT_TRUE(l) << l.error().message;
    const auto v4 = *Address::parse("198.18.2.10");
    const auto v6 = *Address::parse("fd00::1");
    EXPECT_TRUE(l->listening(Proto::tcp, v4, 22));
    EXPECT_FALSE(l->listening(Proto::tcp, v6, 22));  // 0.0.0.0 is IPv4 only
    EXPECT_TRUE(l->listening(Proto::tcp, v6, 80));
    EXPECT_FALSE(l->listening(Proto::tcp, v4, 80));
    EXPECT_TRUE(l->listening(Proto::tcp, v4, 8080));
    EXPECT_TRUE(l->listening(Proto::tcp, v6, 8080));
    EXPECT_FALSE(l->listening(Proto::udp, v4, 53));  // loopback only
    const auto bad = parse_ss("tcp LISTEN 0 1 0.0.0.0:http 0.0.0.0:*\n", "ss.txt");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message, "ss.txt:1: bad port 'http'");
}

TEST(FirewallReconcile, EveryDiagnosisAndTheReports) {
    HostResult h;
    h.address = *Address::parse("198.18.2.10");
    h.state = HostState::up;
    h.ports = {test::port(22, PortState::filtered, Reason::no_response),   // accepted, filtered
               test::port(443, PortState::closed, Reason::reset),          // dropped, answered
               test::port(8080, PortState::closed, Reason::reset),         // accepted+listening, closed
               test::port(8081, PortState::filtered, Reason::admin_prohibited),  // agrees
               test::port(8082, PortState::closed, Reason::reset),         // stealth, agrees
               test::port(9, PortState::closed, Reason::reset)};           // agrees
    auto rs = range_like();
    rs.chains[0].rules[2].verdict.action = Action::accept;  // 8080 accepted
    const auto l = listening({{Proto::tcp, 22}, {Proto::tcp, 8080}});
    Packet shape;
    shape.src = Address::parse("198.18.0.2");
    const auto r = reconcile(rs, {h}, Technique::syn, l, shape);
    EXPECT_EQ(r.ports_checked, 6U);
    ASSERT_EQ(r.differ.size(), 3U);
    EXPECT_EQ(r.differ[0].port, 22);
    EXPECT_EQ(r.differ[0].diagnosis, Diagnosis::upstream_filter);
    EXPECT_EQ(r.differ[1].port, 443);
    EXPECT_EQ(r.differ[1].diagnosis, Diagnosis::not_loaded);
    EXPECT_EQ(r.differ[2].port, 8080);
    EXPECT_EQ(r.differ[2].diagnosis, Diagnosis::not_listening);
    ASSERT_EQ(r.stealth.size(), 1U);
    EXPECT_EQ(r.stealth[0].port, 8082);
    EXPECT_FALSE(r.agree());
    const auto j = nlohmann::json::parse(render_check_json(r));
    EXPECT_EQ(j["differ"][1]["diagnosis"], "not-loaded");
    EXPECT_EQ(j["differ"][1]["rule"], "tcp dport 443 drop");
    EXPECT_EQ(j["differ"][1]["handle"], 3);
    const auto sarif = nlohmann::json::parse(render_check_sarif(r));
    const auto& results = sarif["runs"][0]["results"];
    ASSERT_EQ(results.size(), 4U);
    EXPECT_EQ(results[0]["ruleId"], "FW002");
    EXPECT_EQ(results[3]["level"], "note");
    const std::string text = render_check_text(r);
    EXPECT_NE(text.find("198.18.2.10 443/tcp: predicted filtered no-response by rule inet t input handle 3: tcp dport 443 drop; "
                        "observed closed reset: rule drops but the host answered"),
              std::string::npos)
        << text;
    EXPECT_EQ(guess_technique({h}), Technique::syn);
}

}  // namespace
}  // namespace portwarden::firewall

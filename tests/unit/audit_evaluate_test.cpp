// Evaluation: every violation kind and every inconclusive reason, and the verdict.
#include <algorithm>

#include <gtest/gtest.h>

#include "portwarden/audit.hpp"

namespace portwarden::audit {
namespace {

constexpr const char* policy_text = R"([groups.web]
hosts = ["198.18.1.10"]
unlisted = "filtered"

[[groups.web.allow]]
port = 443
owner = "web"
must_be_open = true

[[groups.web.allow]]
port = 22
owner = "ops"
expires = 2026-06-30

[[groups.web.allow]]
port = 8080
owner = "dev"

[groups.lan]
hosts = ["198.18.5.0/24", "db.internal"]
)";

const Date today{2026, 6, 30};

Policy policy() {
    auto p = parse_policy(policy_text, "p.toml");
    EXPECT_TRUE(p) << p.error().message;
    return *p;
}

HostResult host(const char* address, std::vector<std::pair<std::uint16_t, PortState>> ports,
                HostState state = HostState::up) {
    HostResult h;
    h.address = *Address::parse(address);
    h.state = state;
    for (const auto& [port, s] : ports) {
        h.ports.push_back(PortResult{Proto::tcp, port, s, Reason::unknown, {}, {}, {}});
    }
    std::sort(h.ports.begin(), h.ports.end(), [](const PortResult& a, const PortResult& b) { return a.port < b.port; });
    return h;
}

std::vector<HostResult> lan_ok() {
    auto db = host("198.18.7.7", {{22, PortState::filtered}});
    db.hostname = "DB.internal";
    return {host("198.18.5.3", {{80, PortState::closed}}), db};
}

std::vector<HostResult> with_web(HostResult web) {
    auto all = lan_ok();
    all.push_back(std::move(web));
    return all;
}

struct Row {
    const char* name;
    std::vector<std::pair<std::uint16_t, PortState>> web_ports;
    Verdict verdict;
    std::vector<FindingKind> kinds;
};

class AuditEvaluate : public testing::TestWithParam<Row> {};

TEST_P(AuditEvaluate, Table) {
    const Row& r = GetParam();
    const Evaluation e = evaluate(policy(), with_web(host("198.18.1.10", r.web_ports)), today);
    EXPECT_EQ(e.verdict, r.verdict) << r.name;
    std::vector<FindingKind> kinds;
    for (const Finding& f : e.findings) {
        kinds.push_back(f.kind);
    }
    EXPECT_EQ(kinds, r.kinds) << r.name << (e.findings.empty() ? "" : ": " + e.findings[0].message);
}

using PS = PortState;
using FK = FindingKind;
INSTANTIATE_TEST_SUITE_P(
    Audit, AuditEvaluate,
    testing::Values(
        Row{"compliant", {{22, PS::open}, {443, PS::open}, {80, PS::filtered}}, Verdict::compliant, {}},
        Row{"allowed port closed is fine", {{22, PS::closed}, {443, PS::open}, {8080, PS::closed}}, Verdict::compliant, {}},
        Row{"unexpected open", {{443, PS::open}, {23, PS::open}}, Verdict::violations, {FK::unexpected_open}},
        Row{"must be open: closed", {{443, PS::closed}}, Verdict::violations, {FK::must_be_open}},
        Row{"must be open: filtered", {{443, PS::filtered}}, Verdict::violations, {FK::must_be_open}},
        Row{"stealth: closed unlisted", {{443, PS::open}, {25, PS::closed}}, Verdict::violations, {FK::stealth}},
        Row{"must be open: open|filtered", {{443, PS::open_filtered}}, Verdict::inconclusive, {FK::port_ambiguous}},
        Row{"unlisted open|filtered", {{443, PS::open}, {161, PS::open_filtered}}, Verdict::inconclusive,
            {FK::port_ambiguous}},
        Row{"unlisted unfiltered", {{443, PS::open}, {161, PS::unfiltered}}, Verdict::inconclusive, {FK::port_ambiguous}},
        Row{"stealth closed|filtered", {{443, PS::open}, {9, PS::closed_filtered}}, Verdict::inconclusive,
            {FK::port_ambiguous}},
        Row{"must be open not scanned", {{80, PS::filtered}}, Verdict::inconclusive, {FK::port_not_scanned}},
        Row{"violation wins over inconclusive", {{23, PS::open}}, Verdict::violations,
            {FK::port_not_scanned, FK::unexpected_open}}));

TEST(AuditEvaluateExpiry, ExpiredTheDayAfter) {
    const auto web = host("198.18.1.10", {{22, PS::open}, {443, PS::open}});
    EXPECT_EQ(evaluate(policy(), with_web(web), Date{2026, 6, 30}).verdict, Verdict::compliant);  // last valid day
    const Evaluation e = evaluate(policy(), with_web(web), Date{2026, 7, 1});
    EXPECT_EQ(e.verdict, Verdict::violations);
    ASSERT_EQ(e.findings.size(), 1U);
    EXPECT_EQ(e.findings[0].kind, FK::expired);
    EXPECT_EQ(e.findings[0].pos.line, 10U);
    EXPECT_NE(e.findings[0].message.find("expired on 2026-06-30"), std::string::npos);
    // an expired port that is closed is fine; one that was not scanned cannot be judged
    EXPECT_EQ(evaluate(policy(), with_web(host("198.18.1.10", {{22, PS::closed}, {443, PS::open}})), Date{2027, 1, 1})
                  .verdict,
              Verdict::compliant);
    EXPECT_EQ(evaluate(policy(), with_web(host("198.18.1.10", {{443, PS::open}})), Date{2027, 1, 1}).verdict,
              Verdict::inconclusive);
}

TEST(AuditEvaluateHosts, MissingDownIncomplete) {
    const auto web = host("198.18.1.10", {{443, PS::open}});
    // the named host is not in the results
    Evaluation e = evaluate(policy(), lan_ok(), today);
    EXPECT_EQ(e.verdict, Verdict::inconclusive);
    ASSERT_EQ(e.findings.size(), 1U);
    EXPECT_EQ(e.findings[0].kind, FK::host_missing);
    EXPECT_EQ(e.findings[0].pos.line, 2U);
    // down
    e = evaluate(policy(), with_web(host("198.18.1.10", {}, HostState::down)), today);
    ASSERT_EQ(e.findings.size(), 1U);
    EXPECT_EQ(e.findings[0].kind, FK::host_down);
    EXPECT_EQ(e.verdict, Verdict::inconclusive);
    // incomplete
    auto partial = web;
    partial.complete = false;
    e = evaluate(policy(), with_web(partial), today);
    ASSERT_EQ(e.findings.size(), 1U);
    EXPECT_EQ(e.findings[0].kind, FK::host_incomplete);
    // a block with no up host, and a name that is not in the results
    e = evaluate(policy(), {web, host("198.18.5.9", {}, HostState::down)}, today);
    ASSERT_EQ(e.findings.size(), 2U);
    EXPECT_EQ(e.findings[0].kind, FK::host_missing);
    EXPECT_NE(e.findings[0].message.find("no host of 198.18.5.0/24"), std::string::npos);
    EXPECT_NE(e.findings[1].message.find("db.internal"), std::string::npos);
    // the block's hosts and the name (case-insensitive) are checked: lan allows nothing
    auto lan = lan_ok();
    lan[0].ports[0].state = PS::open;
    e = evaluate(policy(), with_web(web), today);
    EXPECT_EQ(e.verdict, Verdict::compliant);
    EXPECT_EQ(e.hosts_checked, 3U);
    lan.push_back(web);
    e = evaluate(policy(), lan, today);
    ASSERT_EQ(e.findings.size(), 1U);
    EXPECT_EQ(e.findings[0].kind, FK::unexpected_open);
    EXPECT_EQ(e.findings[0].group, "lan");
}

// Who really answered: a port decided by a forged reply is undecided (PW107), never judged;
// a weak (low-confidence) sign is judged as usual; a port-spoofer host gets one PW107.
TEST(AuditEvaluateResponder, ForgedRepliesProveNothing) {
    HostResult web = host("198.18.1.10", {{443, PortState::closed}, {22, PortState::open}, {8080, PortState::closed},
                                           {9000, PortState::closed}, {9001, PortState::closed}});
    ResponderReport r;
    r.forged = {ForgedReply{Proto::tcp, 443, ReplyKind::rst, 64, Confidence::high, "TTL 64"},
                ForgedReply{Proto::tcp, 9000, ReplyKind::rst, 64, Confidence::medium, "TTL 64"},
                ForgedReply{Proto::tcp, 9001, ReplyKind::rst, 63, Confidence::low, "IP ID"}};
    web.responder = r;
    const Evaluation e = evaluate(policy(), with_web(web), today);
    std::vector<std::pair<FindingKind, std::uint16_t>> got;
    for (const Finding& f : e.findings) {
        got.emplace_back(f.kind, f.port);
    }
    // 443 must be open and reads closed, but the RST was forged: undecided, not must-be-open.
    // 9000 (unlisted, stealth group) likewise; 9001's weak sign is judged: stealth.
    const std::vector<std::pair<FindingKind, std::uint16_t>> want{
        {FindingKind::forged_reply, 443}, {FindingKind::forged_reply, 9000}, {FindingKind::stealth, 9001}};
    EXPECT_EQ(got, want);
    EXPECT_EQ(e.verdict, Verdict::violations);
    EXPECT_NE(e.findings[0].message.find("a middlebox forged that reply (high confidence: TTL 64)"), std::string::npos)
        << e.findings[0].message;

    web.responder->forged.pop_back();
    web.ports.pop_back();  // 9001 gone: only the forged ports are left to decide
    const Evaluation undecided = evaluate(policy(), with_web(web), today);
    EXPECT_EQ(undecided.verdict, Verdict::inconclusive);

    HostResult spoof = host("198.18.1.10", {{443, PortState::open}, {22, PortState::open}});
    spoof.responder = ResponderReport{};
    spoof.responder->spoofer = PortSpoofer{false, Confidence::high, 65535, 65535, "SYN-ACK on every port"};
    const Evaluation s = evaluate(policy(), with_web(spoof), today);
    ASSERT_EQ(s.findings.size(), 1U);
    EXPECT_EQ(s.findings[0].kind, FindingKind::forged_reply);
    EXPECT_FALSE(s.findings[0].proto.has_value());
    EXPECT_EQ(s.verdict, Verdict::inconclusive);
}

TEST(AuditEvaluateHosts, RuleIdsAreDistinct) {
    for (int i = 0; i < finding_kind_count; ++i) {
        for (int j = i + 1; j < finding_kind_count; ++j) {
            EXPECT_NE(rule_id(static_cast<FK>(i)), rule_id(static_cast<FK>(j)));
        }
    }
    EXPECT_TRUE(is_violation(FK::expired));
    EXPECT_FALSE(is_violation(FK::host_missing));
}

}  // namespace
}  // namespace portwarden::audit

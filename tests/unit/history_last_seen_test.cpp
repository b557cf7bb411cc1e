// HistoryStore::last_seen (per technique, defaults included, older scans fill the gaps) and
// stored audits.
#include <algorithm>
#include <span>
#include <string>
#include <vector>

#include "history_fixture.hpp"

namespace portwarden::test {
namespace {

using HistoryLastSeenTest = HistoryTest;

const Address host_a = *Address::parse("198.18.5.1");

// A scan at second t of host_a: ports [first, last] closed (reset) except `open`, plus the udp
// port 53 open|filtered when `udp`.
std::int64_t record(HistoryStore& store, int t, const char* technique, std::uint16_t first, std::uint16_t last,
                    std::vector<std::uint16_t> open, bool udp = false) {
    HostResult h;
    h.address = host_a;
    h.state = HostState::up;
    h.end_time = at_second(t);
    for (std::uint32_t p = first; p <= last; ++p) {
        const bool is_open = std::ranges::find(open, p) != open.end();
        h.ports.push_back({Proto::tcp, static_cast<std::uint16_t>(p), is_open ? PortState::open : PortState::closed,
                           is_open ? Reason::syn_ack : Reason::reset, {}, {}, {}});
    }
    if (udp) {
        h.ports.push_back({Proto::udp, 53, PortState::open_filtered, Reason::no_response, {}, {}, {}});
    }
    HostResult other;
    other.address = *Address::parse("198.18.5.2");
    other.end_time = at_second(t);
    other.ports.push_back({Proto::tcp, 1, PortState::open, Reason::syn_ack, {}, {}, {}});
    const std::vector<HostResult> hosts{h, other};
    auto id = store.record_scan(ScanInfo{at_second(t), at_second(t), "scan", "raw", technique}, hosts);
    EXPECT_TRUE(id) << id.error().message;
    return id.value_or(-1);
}

TEST_P(HistoryLastSeenTest, NewestScanOfTheTechniqueThenOlderOnesForTheRest) {
    auto store = open_ok();
    ASSERT_TRUE(store);
    const auto s1 = record(*store, 10, "syn", 1, 30, {22}, true);   // 1-30, 53/udp
    const auto s2 = record(*store, 20, "syn", 20, 25, {});          // 22 closed now
    record(*store, 30, "connect", 1, 40, {1, 2, 3});                 // another technique
    const auto s4 = record(*store, 15, "syn", 10, 12, {11});        // older than s2 by time
    auto seen = store->last_seen(host_a, "syn");
    ASSERT_TRUE(seen) << seen.error().message;
    ASSERT_EQ(seen->size(), 31u);  // tcp 1-30 and udp 53
    const auto at = [&](std::uint16_t port) { return (*seen)[port - 1]; };
    EXPECT_EQ(at(1).scan_id, s1);
    EXPECT_EQ(at(1).state, PortState::closed);
    EXPECT_EQ(at(1).reason, Reason::reset);
    EXPECT_EQ(at(11).scan_id, s4);
    EXPECT_EQ(at(11).state, PortState::open);
    EXPECT_EQ(at(12).scan_id, s4);
    EXPECT_EQ(at(22).scan_id, s2);
    EXPECT_EQ(at(22).state, PortState::closed);  // a default port counts
    EXPECT_EQ(at(30).scan_id, s1);
    EXPECT_EQ(seen->back().proto, Proto::udp);
    EXPECT_EQ(seen->back().port, 53);
    EXPECT_EQ(seen->back().state, PortState::open_filtered);
    EXPECT_EQ(seen->back().scan_id, s1);

    auto connect = store->last_seen(host_a, "connect");
    ASSERT_TRUE(connect) << connect.error().message;
    ASSERT_EQ(connect->size(), 40u);
    EXPECT_EQ(connect->at(2).state, PortState::open);
    auto none = store->last_seen(host_a, "udp");
    ASSERT_TRUE(none) << none.error().message;
    EXPECT_TRUE(none->empty());
    auto unknown = store->last_seen(*Address::parse("198.18.9.9"), "syn");
    ASSERT_TRUE(unknown) << unknown.error().message;
    EXPECT_TRUE(unknown->empty());
}

// Repeated scans of the same ports (a nightly -p-): the newest decides every port they share,
// an older scan of other ports still fills its own.
TEST_P(HistoryLastSeenTest, RepeatedScansOfTheSamePortsTheNewestDecides) {
    auto store = open_ok();
    ASSERT_TRUE(store);
    const auto wide = record(*store, 5, "syn", 1, 40, {35});
    record(*store, 10, "syn", 1, 30, {22});
    record(*store, 20, "syn", 1, 30, {23});
    const auto newest = record(*store, 30, "syn", 1, 30, {24});
    auto seen = store->last_seen(host_a, "syn");
    ASSERT_TRUE(seen) << seen.error().message;
    ASSERT_EQ(seen->size(), 40u);
    const auto at = [&](std::uint16_t port) { return (*seen)[port - 1]; };
    for (std::uint16_t port = 1; port <= 30; ++port) {
        EXPECT_EQ(at(port).scan_id, newest) << port;
        EXPECT_EQ(at(port).state, port == 24 ? PortState::open : PortState::closed) << port;
    }
    EXPECT_EQ(at(35).scan_id, wide);
    EXPECT_EQ(at(35).state, PortState::open);
    EXPECT_EQ(at(31).state, PortState::closed);
}

// Drift confirmation of -sS: a -sS -sU scan ("syn+udp") probed its TCP ports by SYN too.
TEST_P(HistoryLastSeenTest, SeveralTechniquesTheNewestScanOfAnyOfThem) {
    auto store = open_ok();
    ASSERT_TRUE(store);
    const auto s1 = record(*store, 10, "syn", 1, 5, {2});
    const auto s2 = record(*store, 20, "syn+udp", 1, 3, {}, true);  // 2 closed now, 53/udp
    record(*store, 30, "connect", 1, 5, {1});                      // not one of them
    const std::vector<std::string> alike{"syn", "syn+udp"};
    auto seen = store->last_seen(host_a, alike);
    ASSERT_TRUE(seen) << seen.error().message;
    ASSERT_EQ(seen->size(), 6u);  // tcp 1-5 and udp 53
    EXPECT_EQ(seen->at(0).state, PortState::closed);  // 1: not connect's open
    EXPECT_EQ(seen->at(1).scan_id, s2);
    EXPECT_EQ(seen->at(1).state, PortState::closed);
    EXPECT_EQ(seen->at(3).scan_id, s1);
    EXPECT_EQ(seen->back().proto, Proto::udp);
    EXPECT_EQ(seen->back().scan_id, s2);
    auto none = store->last_seen(host_a, std::span<const std::string>{});
    ASSERT_TRUE(none) << none.error().message;
    EXPECT_TRUE(none->empty());
}

TEST_P(HistoryLastSeenTest, OnlyTheNewest32ScansAreLookedAt) {
    auto store = open_ok();
    ASSERT_TRUE(store);
    record(*store, 1, "syn", 100, 100, {100});  // the only scan of port 100, then 32 newer ones
    for (int i = 0; i < 32; ++i) {
        record(*store, 10 + i, "syn", 1, 2, {});
    }
    auto seen = store->last_seen(host_a, "syn");
    ASSERT_TRUE(seen) << seen.error().message;
    ASSERT_EQ(seen->size(), 2u);
    EXPECT_EQ(seen->back().port, 2);
}

TEST_P(HistoryLastSeenTest, AuditsAndTheirFindingsAreStored) {
    auto store = open_ok();
    ASSERT_TRUE(store);
    const auto scan = record(*store, 10, "syn", 1, 5, {2});
    AuditRecord a;
    a.scan_id = scan;
    a.time = at_second(11);
    a.policy = "/etc/portwarden/policy.toml";
    a.verdict = "violations";
    a.findings.push_back({"PW001", "web", "198.18.5.1", Proto::tcp, 2, PortState::open,
                          "198.18.5.1: 2/tcp is open (syn-ack)", "unlisted ports", 3});
    a.findings.push_back({"PW102", "db", "198.18.5.9", std::nullopt, 0, std::nullopt, "198.18.5.9 is down", "host", 7});
    auto id = store->record_audit(a);
    ASSERT_TRUE(id) << id.error().message;
    AuditRecord from_file;
    from_file.time = at_second(5);
    from_file.policy = "p.toml";
    from_file.verdict = "compliant";
    auto id2 = store->record_audit(from_file);
    ASSERT_TRUE(id2) << id2.error().message;
    AuditRecord named = from_file;  // audit --from @nightly: a named scan's shards, merged
    named.time = at_second(7);
    named.scan_name = "nightly";
    ASSERT_TRUE(store->record_audit(named));

    auto audits = store->list_audits();
    ASSERT_TRUE(audits) << audits.error().message;
    ASSERT_EQ(audits->size(), 3u);
    EXPECT_EQ((*audits)[0].id, *id2);  // oldest first
    EXPECT_FALSE((*audits)[0].scan_id);
    EXPECT_FALSE((*audits)[0].scan_name);
    EXPECT_EQ((*audits)[0].finding_count, 0);
    EXPECT_FALSE((*audits)[1].scan_id);
    EXPECT_EQ((*audits)[1].scan_name, std::optional<std::string>("nightly"));
    const auto& got = (*audits)[2];
    EXPECT_EQ(got.id, *id);
    EXPECT_EQ(got.scan_id, std::optional<std::int64_t>(scan));
    EXPECT_FALSE(got.scan_name);
    EXPECT_EQ(got.time, at_second(11));
    EXPECT_EQ(got.policy, a.policy);
    EXPECT_EQ(got.verdict, "violations");
    EXPECT_EQ(got.finding_count, 2);
    EXPECT_TRUE(got.findings.empty());

    auto findings = store->audit_findings(*id);
    ASSERT_TRUE(findings) << findings.error().message;
    ASSERT_EQ(findings->size(), 2u);
    for (std::size_t i = 0; i < 2; ++i) {
        const auto& g = (*findings)[i];
        const auto& w = a.findings[i];
        EXPECT_EQ(std::tie(g.rule_id, g.group, g.host, g.proto, g.port, g.state, g.message, g.rule, g.policy_line),
                  std::tie(w.rule_id, w.group, w.host, w.proto, w.port, w.state, w.message, w.rule, w.policy_line));
    }
    auto missing = store->audit_findings(4242);
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("no audit 4242"), std::string::npos);
}

PW_HISTORY_BACKENDS(HistoryLastSeenTest);

}  // namespace
}  // namespace portwarden::test

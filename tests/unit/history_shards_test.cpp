// Named scans recorded by shards (scan --scan-id NAME --shard I/N): one logical scan from N
// scan rows, a retried shard replacing its earlier rows, a resumed shard adding to them,
// unfinished shards named.
#include <algorithm>
#include <span>

#include "history_fixture.hpp"
#include "portwarden/merge.hpp"

namespace portwarden::test {
namespace {

class HistoryShardsTest : public HistoryTest {};

// Host `address` with the ports p (first <= p < last) that shard `index` of `count` owns.
HostResult shard_host(const char* address, std::uint16_t first, std::uint16_t last, std::uint32_t index,
                      std::uint32_t count) {
    HostResult h;
    h.address = Address::parse(address).value();
    h.state = HostState::up;
    h.reason = Reason::user_set;
    h.start_time = at_second(1);
    h.end_time = at_second(2);
    for (std::uint16_t p = first; p < last; ++p) {
        if (p % count == index) {
            const bool open = p == 22 || p == 80;
            h.ports.push_back(PortResult{Proto::tcp, p, open ? PortState::open : PortState::closed,
                                         open ? Reason::syn_ack : Reason::reset, {}, {}, {}});
        }
    }
    return h;
}

ScanInfo shard_info(std::uint32_t index, std::uint32_t count, const char* name = "nightly") {
    ScanInfo info{at_second(0), at_second(0), "portwarden scan --scan-id nightly", "", "syn", {}};
    info.shard = ShardTag{name, index, count};
    return info;
}

// Records shard `index` of 3 the way `scan` does: begin, add the hosts, end (unless `killed`).
std::int64_t record_shard(HistoryStore& store, std::uint32_t index, bool killed = false,
                          std::uint16_t last = 100) {
    ScanInfo info = shard_info(index, 3);
    auto id = store.begin_scan(info);
    EXPECT_TRUE(id) << id.error().message;
    const std::vector<HostResult> hosts{shard_host("198.18.1.10", 1, last, index, 3),
                                        shard_host("198.18.2.10", 1, last, index, 3)};
    EXPECT_TRUE(store.add_hosts(*id, info, hosts));
    if (!killed) {
        info.end_time = at_second(5);
        EXPECT_TRUE(store.end_scan(*id, info));
    }
    return *id;
}

std::vector<HostResult> load_merged(HistoryStore& store, const NamedScan& named) {
    std::vector<std::vector<HostResult>> shards;
    for (const std::int64_t id : named.scan_ids) {
        auto hosts = store.load_scan(id);
        EXPECT_TRUE(hosts) << hosts.error().message;
        shards.push_back(hosts ? *hosts : std::vector<HostResult>{});
    }
    auto merged = merge_shard_hosts(std::move(shards));
    EXPECT_TRUE(merged) << merged.error().message;
    return merged ? *merged : std::vector<HostResult>{};
}

TEST_P(HistoryShardsTest, ShardsOfOneNameAreOneScanAndAnUnfinishedShardIsNamed) {
    auto store = open_ok();
    ASSERT_TRUE(store);
    record_shard(*store, 0);
    record_shard(*store, 1, /*killed=*/true);
    // Shard 2 never ran.
    auto named = store->named_scan("nightly");
    ASSERT_TRUE(named) << named.error().message;
    EXPECT_EQ(named->shard_count, 3U);
    EXPECT_EQ(named->scan_ids.size(), 2U);
    EXPECT_EQ(named->missing, (std::vector<std::uint32_t>{1, 2}));
    EXPECT_FALSE(named->complete());
    EXPECT_EQ(named->technique, "syn");

    record_shard(*store, 2);
    record_shard(*store, 1);  // the requeued task
    named = store->named_scan("nightly");
    ASSERT_TRUE(named) << named.error().message;
    EXPECT_TRUE(named->complete());
    EXPECT_EQ(named->scan_ids.size(), 3U);
    const auto merged = load_merged(*store, *named);
    ASSERT_EQ(merged.size(), 2U);
    for (const HostResult& h : merged) {
        ASSERT_EQ(h.ports.size(), 99U) << h.address.to_string();  // 1-99, each once
        for (std::size_t i = 0; i < h.ports.size(); ++i) {
            EXPECT_EQ(h.ports[i].port, i + 1);
        }
    }
    auto listed = store->list_named_scans();
    ASSERT_TRUE(listed) << listed.error().message;
    ASSERT_EQ(listed->size(), 1U);
    EXPECT_EQ(listed->front().name, "nightly");
    EXPECT_TRUE(listed->front().complete());
    EXPECT_FALSE(store->named_scan("other"));
}

TEST_P(HistoryShardsTest, ARetriedShardReplacesItsRowsInsteadOfAddingToThem) {
    auto store = open_ok();
    ASSERT_TRUE(store);
    const auto first = record_shard(*store, 1, /*killed=*/true, 60);
    const auto again = record_shard(*store, 1, /*killed=*/false, 100);
    EXPECT_NE(first, again);
    EXPECT_FALSE(store->load_scan(first));  // gone, with its hosts and ports
    auto scans = store->list_scans();
    ASSERT_TRUE(scans) << scans.error().message;
    ASSERT_EQ(scans->size(), 1U);
    EXPECT_EQ(scans->front().id, again);
    EXPECT_EQ(scans->front().hosts, 2);
    auto seen = store->timeline(Address::parse("198.18.1.10").value(), Proto::tcp, 22);
    ASSERT_TRUE(seen) << seen.error().message;
    EXPECT_EQ(seen->size(), 1U);  // one observation, not one per attempt
    auto named = store->named_scan("nightly");
    ASSERT_TRUE(named) << named.error().message;
    EXPECT_EQ(named->scan_ids, (std::vector<std::int64_t>{again}));
    EXPECT_EQ(named->missing, (std::vector<std::uint32_t>{0, 2}));
}

// The ports p (first <= p < last) of shard `index` of 3 on one host, as one run of the shard
// records them (`scan --scan-id nightly --shard I/3`, with --resume when `resumed`); `killed`:
// interrupted, its host incomplete and the run unfinished.
std::int64_t record_run(HistoryStore& store, std::uint32_t index, std::uint16_t first, std::uint16_t last,
                        bool resumed, bool killed) {
    ScanInfo info = shard_info(index, 3);
    info.shard->resumed = resumed;
    auto id = store.begin_scan(info);
    EXPECT_TRUE(id) << id.error().message;
    if (!id) {
        return 0;
    }
    HostResult host = shard_host("198.18.1.10", first, last, index, 3);
    host.complete = !killed;
    EXPECT_TRUE(store.add_hosts(*id, info, std::span(&host, 1)));
    info.end_time = at_second(5);
    info.finished = !killed;
    EXPECT_TRUE(store.end_scan(*id, info));
    return *id;
}

std::size_t observations(HistoryStore& store, std::uint16_t port) {
    auto seen = store.timeline(Address::parse("198.18.1.10").value(), Proto::tcp, port);
    EXPECT_TRUE(seen) << seen.error().message;
    return seen ? seen->size() : 0;
}

// #16: shard 1 interrupted after ports 1-59, then resumed (ports 60-99): both runs stay, @NAME
// is their union with each port once, and the shard counts as finished. Run again without
// --resume, the shard replaces both runs.
TEST_P(HistoryShardsTest, AResumedShardKeepsItsInterruptedRunAndARetryReplacesBoth) {
    auto store = open_ok();
    ASSERT_TRUE(store);
    record_shard(*store, 0);
    const auto interrupted = record_run(*store, 1, 1, 60, /*resumed=*/false, /*killed=*/true);
    const auto resumed = record_run(*store, 1, 60, 100, /*resumed=*/true, /*killed=*/false);
    record_shard(*store, 2);
    ASSERT_TRUE(store->load_scan(interrupted));  // kept, with its ports
    auto named = store->named_scan("nightly");
    ASSERT_TRUE(named) << named.error().message;
    EXPECT_TRUE(named->complete()) << ::testing::PrintToString(named->missing);
    EXPECT_EQ(named->scan_ids.size(), 4U);
    EXPECT_NE(std::ranges::find(named->scan_ids, interrupted), named->scan_ids.end());
    EXPECT_NE(std::ranges::find(named->scan_ids, resumed), named->scan_ids.end());
    const auto merged = load_merged(*store, *named);
    const auto host = std::ranges::find(merged, Address::parse("198.18.1.10").value(), &HostResult::address);
    ASSERT_NE(host, merged.end());
    ASSERT_EQ(host->ports.size(), 99U);  // 1-99, each once: 1-59 of shard 1 from the interrupted run
    for (std::size_t i = 0; i < host->ports.size(); ++i) {
        EXPECT_EQ(host->ports[i].port, i + 1);
    }
    EXPECT_EQ(observations(*store, 22), 1U);  // 22 % 3 == 1: seen by the interrupted run only
    EXPECT_EQ(observations(*store, 79), 1U);  // 79 % 3 == 1: by the resumed run only
    auto listed = store->list_named_scans();
    ASSERT_TRUE(listed) << listed.error().message;
    ASSERT_EQ(listed->size(), 1U);
    EXPECT_TRUE(listed->front().complete());
    EXPECT_EQ(listed->front().scan_ids.size(), 4U);

    // A resumed shard still refuses another shard count, deleting nothing.
    ScanInfo wrong = shard_info(1, 4);
    wrong.shard->resumed = true;
    ASSERT_FALSE(store->begin_scan(wrong));
    const auto retried = record_run(*store, 1, 1, 100, /*resumed=*/false, /*killed=*/false);
    EXPECT_FALSE(store->load_scan(interrupted));
    EXPECT_FALSE(store->load_scan(resumed));
    named = store->named_scan("nightly");
    ASSERT_TRUE(named) << named.error().message;
    EXPECT_TRUE(named->complete());
    EXPECT_EQ(named->scan_ids.size(), 3U);
    EXPECT_NE(std::ranges::find(named->scan_ids, retried), named->scan_ids.end());
    EXPECT_EQ(load_merged(*store, *named).front().ports.size(), 99U);
    EXPECT_EQ(observations(*store, 22), 1U);
    EXPECT_EQ(observations(*store, 79), 1U);
}

// A resumed run that is itself interrupted leaves the shard unfinished; the resumed run of that
// one finishes it: three rows, one shard.
TEST_P(HistoryShardsTest, AShardResumedTwiceIsFinishedByItsLastRun) {
    auto store = open_ok();
    ASSERT_TRUE(store);
    record_run(*store, 0, 1, 30, /*resumed=*/false, /*killed=*/true);
    record_run(*store, 0, 30, 60, /*resumed=*/true, /*killed=*/true);
    auto named = store->named_scan("nightly");
    ASSERT_TRUE(named) << named.error().message;
    EXPECT_EQ(named->missing, (std::vector<std::uint32_t>{0, 1, 2}));
    EXPECT_EQ(named->scan_ids.size(), 2U);
    record_run(*store, 0, 60, 100, /*resumed=*/true, /*killed=*/false);
    named = store->named_scan("nightly");
    ASSERT_TRUE(named) << named.error().message;
    EXPECT_EQ(named->missing, (std::vector<std::uint32_t>{1, 2}));
    const auto merged = load_merged(*store, *named);
    ASSERT_EQ(merged.size(), 1U);
    EXPECT_EQ(merged.front().ports.size(), 33U);  // 3, 6, ..., 99
}

TEST_P(HistoryShardsTest, ShardsFromSeveralConnectionsAndAnotherShardCountIsRefused) {
    auto a = open_ok();
    auto b = open_ok();
    ASSERT_TRUE(a && b);
    record_shard(*a, 0);
    record_shard(*b, 2);
    record_shard(*a, 1);
    auto named = b->named_scan("nightly");
    ASSERT_TRUE(named) << named.error().message;
    EXPECT_TRUE(named->complete());
    ScanInfo wrong = shard_info(0, 4);
    auto refused = a->begin_scan(wrong);
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("recorded as 3 shards"), std::string::npos) << refused.error().message;
    named = a->named_scan("nightly");  // nothing was deleted by the refused shard
    ASSERT_TRUE(named) << named.error().message;
    EXPECT_EQ(named->scan_ids.size(), 3U);
    // A scan without a name is not a shard of anything.
    ScanInfo plain{at_second(0), at_second(1), "portwarden scan", "", "syn", {}};
    ASSERT_TRUE(a->record_scan(plain, {}));
    auto listed = a->list_named_scans();
    ASSERT_TRUE(listed) << listed.error().message;
    EXPECT_EQ(listed->size(), 1U);
}

PW_HISTORY_BACKENDS(HistoryShardsTest);

}  // namespace
}  // namespace portwarden::test

// Named scans recorded by shards (scan --scan-id NAME --shard I/N): one logical scan from N
// scan rows, a retried shard replacing its earlier rows, unfinished shards named.
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

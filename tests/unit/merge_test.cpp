// Shards of a scan merged into one result (portwarden/merge.hpp).
#include <gtest/gtest.h>

#include "portwarden/merge.hpp"

namespace portwarden {
namespace {

HostResult host(const char* address, std::vector<std::uint16_t> ports, HostState state = HostState::up) {
    HostResult h;
    h.address = Address::parse(address).value();
    h.state = state;
    for (const auto p : ports) {
        h.ports.push_back(PortResult{Proto::tcp, p, PortState::closed, Reason::reset, {}, {}, {}});
    }
    return h;
}

TEST(MergeShardHosts, HostsOfSeveralShardsAreJoinedPortsSorted) {
    std::vector<std::vector<HostResult>> shards{
        {host("198.18.2.10", {2, 4}), host("198.18.1.10", {1}, HostState::unknown)},
        {host("198.18.1.10", {3, 2})},
    };
    shards[1][0].complete = false;
    auto merged = merge_shard_hosts(std::move(shards));
    ASSERT_TRUE(merged) << merged.error().message;
    ASSERT_EQ(merged->size(), 2U);
    EXPECT_EQ((*merged)[0].address.to_string(), "198.18.1.10");
    EXPECT_EQ((*merged)[0].state, HostState::up);
    EXPECT_FALSE((*merged)[0].complete);
    ASSERT_EQ((*merged)[0].ports.size(), 3U);
    EXPECT_EQ((*merged)[0].ports[0].port, 1);
    EXPECT_EQ((*merged)[0].ports[2].port, 3);
    EXPECT_EQ((*merged)[1].ports.size(), 2U);
}

TEST(MergeShardHosts, APortInTwoShardsIsAnOverlap) {
    auto merged = merge_shard_hosts({{host("198.18.1.10", {1, 5})}, {host("198.18.1.10", {5})}});
    ASSERT_FALSE(merged);
    EXPECT_EQ(merged.error().message, "host 198.18.1.10 port 5/tcp is in two shards: they overlap");
}

ShardFile shard(const char* path, const char* name, std::uint32_t index, std::uint32_t count,
                std::uint64_t seed = 7) {
    return ShardFile{path, ShardLabel{name, index, count, seed, "syn"}, {}};
}

TEST(CheckShardSet, OneScanDifferentScansOverlapAndMissing) {
    std::vector<std::uint32_t> missing;
    ASSERT_TRUE(check_shard_set({shard("a", "n", 0, 3), shard("c", "n", 2, 3)}, missing));
    EXPECT_EQ(missing, (std::vector<std::uint32_t>{1}));
    auto other = check_shard_set({shard("a", "n", 0, 3), shard("b", "m", 1, 3)}, missing);
    ASSERT_FALSE(other);
    EXPECT_TRUE(other.error().message.starts_with("shards of different scans: a (scan id 'n', shard 0/3"))
        << other.error().message;
    EXPECT_FALSE(check_shard_set({shard("a", "n", 0, 3), shard("b", "n", 1, 4)}, missing));
    EXPECT_FALSE(check_shard_set({shard("a", "n", 0, 3), shard("b", "n", 1, 3, 8)}, missing));
    auto twice = check_shard_set({shard("a", "n", 1, 3), shard("b", "n", 1, 3)}, missing);
    ASSERT_FALSE(twice);
    EXPECT_EQ(twice.error().message, "overlapping shards: a and b are both shard 1/3");
}

TEST(ScanName, CheckedAndItsSeedIsStable) {
    EXPECT_TRUE(check_scan_name("nightly-2026.12.03_a"));
    EXPECT_FALSE(check_scan_name(""));
    EXPECT_FALSE(check_scan_name("-x"));
    EXPECT_FALSE(check_scan_name("a b"));
    EXPECT_FALSE(check_scan_name(std::string(65, 'a')));
    EXPECT_EQ(seed_for_scan_name("nightly"), seed_for_scan_name("nightly"));
    EXPECT_NE(seed_for_scan_name("nightly"), seed_for_scan_name("nightly2"));
    EXPECT_NE(seed_for_scan_name(""), 0U);
}

}  // namespace
}  // namespace portwarden

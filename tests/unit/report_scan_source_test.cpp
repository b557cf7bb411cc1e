// The scan loader `diff` and `report` share: result files, history ids, the scan before an id.
#include <filesystem>
#include <span>

#include <gtest/gtest.h>

#include "cli/scan_source.hpp"
#include "portwarden/history.hpp"
#include "portwarden/result_file.hpp"

namespace portwarden::cli {
namespace {

class ScanSourceTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("pw_scan_source_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::filesystem::path dir_;
};

TEST_F(ScanSourceTest, HistoryIds) {
    EXPECT_EQ(history_id("@12"), 12);
    EXPECT_EQ(history_id("7"), 7);
    EXPECT_FALSE(history_id("@"));
    EXPECT_FALSE(history_id("now.jsonl"));
    EXPECT_FALSE(history_id("@1x"));
}

TEST_F(ScanSourceTest, FilesAndStoredScansAndThePreviousOne) {
    const std::string data = std::string(PW_SOURCE_DIR) + "/tests/data/report/";
    const std::string db = (dir_ / "history.db").string();
    ScanSource source(db);
    auto before = source.load(data + "before.jsonl");
    auto now = source.load(data + "now.jsonl");
    ASSERT_TRUE(before) << before.error().message;
    ASSERT_TRUE(now) << now.error().message;
    {
        auto store = open_history(db);
        ASSERT_TRUE(store) << store.error().message;
        ScanInfo info;
        info.engine = "connect";
        ASSERT_TRUE((*store)->record_scan(info, *before));
        ASSERT_TRUE((*store)->record_scan(info, *now));
    }
    auto second = source.load("@2");
    ASSERT_TRUE(second) << second.error().message;
    ASSERT_EQ(second->size(), now->size());
    EXPECT_EQ((*second)[0].ports.size(), (*now)[0].ports.size());
    auto previous = source.previous_scan(2);
    ASSERT_TRUE(previous) << previous.error().message;
    EXPECT_EQ(*previous, 1);
    auto none = source.previous_scan(1);
    ASSERT_TRUE(none);
    EXPECT_FALSE(*none);
    auto missing = source.load("@9");
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("history scan 9"), std::string::npos);
}

// Records one run of shard `index` of `count` of the scan "nightly": host 198.18.1.10 with
// `port` open; `resumed`: run with --resume; `finished`: it ran to its end (host complete).
void record_run(HistoryStore& store, std::uint32_t index, std::uint32_t count, std::uint16_t port, bool resumed,
                bool finished) {
    ScanInfo info;
    info.engine = "raw";
    info.technique = "syn";
    info.shard = ShardTag{"nightly", index, count, resumed};
    auto id = store.begin_scan(info);
    ASSERT_TRUE(id) << id.error().message;
    HostResult h;
    h.address = Address::parse("198.18.1.10").value();
    h.state = HostState::up;
    h.complete = finished;
    h.ports.push_back(PortResult{Proto::tcp, port, PortState::open, Reason::syn_ack, {}, {}, {}});
    ASSERT_TRUE(store.add_hosts(*id, info, std::span(&h, 1)));
    info.finished = finished;
    ASSERT_TRUE(store.end_scan(*id, info));
}

// #16: @NAME of a shard interrupted and resumed holds both runs' ports, and the host the resumed
// run finished is complete; a host another shard left unfinished stays incomplete.
TEST_F(ScanSourceTest, ANamedScanJoinsAResumedShardsRuns) {
    const std::string db = (dir_ / "history.db").string();
    {
        auto store = open_history(db);
        ASSERT_TRUE(store) << store.error().message;
        record_run(**store, 0, 1, 22, false, false);  // interrupted
        record_run(**store, 0, 1, 80, true, true);    // resumed
    }
    ScanSource source(db);
    auto hosts = source.load("@nightly");
    ASSERT_TRUE(hosts) << hosts.error().message;
    ASSERT_EQ(hosts->size(), 1U);
    EXPECT_TRUE(hosts->front().complete);
    ASSERT_EQ(hosts->front().ports.size(), 2U);
    EXPECT_EQ(hosts->front().ports[0].port, 22);
    EXPECT_EQ(hosts->front().ports[1].port, 80);

    const std::string db2 = (dir_ / "two-shards.db").string();
    {
        auto store = open_history(db2);
        ASSERT_TRUE(store) << store.error().message;
        record_run(**store, 0, 2, 22, false, true);
        record_run(**store, 1, 2, 81, false, false);  // shard 1 interrupted, never resumed
    }
    ScanSource again(db2);
    hosts = again.load("@nightly");
    ASSERT_TRUE(hosts) << hosts.error().message;
    ASSERT_EQ(hosts->size(), 1U);
    EXPECT_FALSE(hosts->front().complete);
    EXPECT_EQ(hosts->front().ports.size(), 2U);
}

}  // namespace
}  // namespace portwarden::cli

// The scan loader `diff` and `report` share: result files, history ids, the scan before an id.
#include <filesystem>

#include <gtest/gtest.h>

#include "cli/scan_source.hpp"
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

}  // namespace
}  // namespace portwarden::cli

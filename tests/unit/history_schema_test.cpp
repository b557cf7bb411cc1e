// History schema: versioned migrations, refusal of a newer schema, where the database lives.
#include <string>
#include <vector>

#include "history_fixture.hpp"

namespace portwarden::test {
namespace {

using HistorySchemaTest = HistoryTest;

std::vector<std::string> versions(history::SqlConnection& db) {
    std::vector<std::string> out;
    auto rows = db.query("SELECT version FROM schema_version ORDER BY version");
    EXPECT_TRUE(rows) << rows.error().message;
    for (const auto& row : rows.value_or(std::vector<history::SqlRow>{})) {
        out.push_back(row.at(0).value_or("NULL"));
    }
    return out;
}

TEST_P(HistorySchemaTest, EmptyDatabaseIsMigratedToTheLatestVersion) {
    ASSERT_EQ(history_schema_version(), 4);
    {
        auto store = open_ok();
        ASSERT_TRUE(store);
        EXPECT_EQ(store->schema_version(), 4);
    }
    auto again = open_ok();  // opening a current database changes nothing
    ASSERT_TRUE(again);
    auto db = raw();
    ASSERT_TRUE(db) << db.error().message;
    EXPECT_EQ(versions(**db), (std::vector<std::string>{"1", "2", "3", "4"}));
    if (GetParam() == Backend::sqlite) {
        auto mode = (*db)->query("PRAGMA journal_mode");
        ASSERT_TRUE(mode) << mode.error().message;
        EXPECT_EQ(mode->at(0).at(0), "wal");
    }
}

TEST_P(HistorySchemaTest, VersionZeroDatabaseIsMigrated) {
    {
        auto db = raw();
        ASSERT_TRUE(db) << db.error().message;
        ASSERT_TRUE((*db)->exec_script(
            "CREATE TABLE schema_version (version INTEGER NOT NULL, applied_us BIGINT NOT NULL)"));
    }
    auto store = open_ok();
    ASSERT_TRUE(store);
    auto id = store->record_scan(ScanInfo{at_second(0), at_second(1), "scan", "connect", "connect"}, {});
    EXPECT_TRUE(id) << id.error().message;
}

TEST_P(HistorySchemaTest, OlderVersionIsMigratedStepByStep) {
    auto db = raw();
    ASSERT_TRUE(db) << db.error().message;
    const auto current = history::history_migrations();
    auto v1 = history::migrate(**db, current.first(1));
    ASSERT_TRUE(v1) << v1.error().message;
    EXPECT_EQ(*v1, 1);
    auto v2 = history::migrate(**db, current.first(2));
    ASSERT_TRUE(v2) << v2.error().message;
    EXPECT_EQ(*v2, 2);

    std::vector<history::Migration> next(current.begin(), current.begin() + 2);
    next.push_back({"CREATE TABLE notes (id @ID@, scan_id BIGINT REFERENCES scans (id), "
                    "note TEXT NOT NULL)"});
    auto v3 = history::migrate(**db, next);
    ASSERT_TRUE(v3) << v3.error().message;
    EXPECT_EQ(*v3, 3);
    EXPECT_EQ(versions(**db), (std::vector<std::string>{"1", "2", "3"}));
    const history::SqlValue note[] = {std::string("hello")};
    auto inserted = (*db)->query("INSERT INTO notes (note) VALUES ($1) RETURNING id", note);
    ASSERT_TRUE(inserted) << inserted.error().message;
    EXPECT_EQ(inserted->size(), 1u);

    auto back = history::migrate(**db, current.first(2));  // an older build refuses it
    ASSERT_FALSE(back);
    EXPECT_NE(back.error().message.find("schema version 3 is newer"), std::string::npos)
        << back.error().message;
}

TEST_P(HistorySchemaTest, NewerSchemaIsRefusedWithAClearMessage) {
    ASSERT_TRUE(open_ok());
    {
        auto db = raw();
        ASSERT_TRUE(db) << db.error().message;
        const history::SqlValue row[] = {std::int64_t{99}, std::int64_t{0}};
        ASSERT_TRUE((*db)->query("INSERT INTO schema_version VALUES ($1, $2)", row));
    }
    auto store = open();
    ASSERT_FALSE(store);
    EXPECT_NE(store.error().message.find(
                  "history schema version 99 is newer than this portwarden supports (4)"),
              std::string::npos)
        << store.error().message;
}

TEST_P(HistorySchemaTest, BrokenLocationIsAnError) {
    const std::string bad = GetParam() == Backend::sqlite
                                ? "sqlite:/proc/no-such-dir/history.db"
                                : "postgresql://127.0.0.1:1/none?connect_timeout=2";
    auto store = open_history(bad);
    ASSERT_FALSE(store);
    EXPECT_EQ(store.error().message.rfind("history: ", 0), 0u) << store.error().message;
}

PW_HISTORY_BACKENDS(HistorySchemaTest);

TEST(HistoryLocation, DefaultPathFollowsXdg) {
    EXPECT_EQ(default_history_path("/x/data", "/home/u").value(),
              std::filesystem::path("/x/data/portwarden/history.db"));
    EXPECT_EQ(default_history_path("", "/home/u").value(),
              std::filesystem::path("/home/u/.local/share/portwarden/history.db"));
    // A relative XDG_DATA_HOME is invalid (XDG base directory spec) and ignored.
    EXPECT_EQ(default_history_path("rel", "/home/u").value(),
              std::filesystem::path("/home/u/.local/share/portwarden/history.db"));
    EXPECT_FALSE(default_history_path("", ""));
}

TEST(HistoryLocation, PlainPathIsSqlite) {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("pw_history_plain_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    {
        auto store = open_history((dir / "a" / "h.db").string());
        ASSERT_TRUE(store) << store.error().message;
        EXPECT_TRUE(std::filesystem::exists(dir / "a" / "h.db"));
    }
    EXPECT_FALSE(open_history("sqlite:"));
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace portwarden::test

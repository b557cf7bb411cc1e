// History schema: versioned migrations, refusal of a newer schema, where the database lives.
#include <memory>
#include <string>
#include <vector>

#include "history_fixture.hpp"

namespace portwarden::test {
namespace {

class HistorySchemaTest : public HistoryTest {
protected:
    // A store on a database migrated only to `version`, as an older portwarden wrote it.
    std::unique_ptr<HistoryStore> store_at(int version) const {
        auto db = raw();
        EXPECT_TRUE(db) << db.error().message;
        if (!db) {
            return nullptr;
        }
        auto migrated = history::migrate(**db, history::history_migrations().first(static_cast<std::size_t>(version)));
        EXPECT_TRUE(migrated) << migrated.error().message;
        return migrated ? history::make_store(std::move(*db), version) : nullptr;
    }
};

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
    ASSERT_EQ(history_schema_version(), 6);
    {
        auto store = open_ok();
        ASSERT_TRUE(store);
        EXPECT_EQ(store->schema_version(), 6);
    }
    auto again = open_ok();  // opening a current database changes nothing
    ASSERT_TRUE(again);
    auto db = raw();
    ASSERT_TRUE(db) << db.error().message;
    EXPECT_EQ(versions(**db), (std::vector<std::string>{"1", "2", "3", "4", "5", "6"}));
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

HostResult host_with_port(const char* address, std::uint16_t port, int end_second) {
    HostResult h;
    h.address = Address::parse(address).value();
    h.state = HostState::up;
    h.start_time = at_second(end_second - 1);
    h.end_time = at_second(end_second);
    PortResult p;
    p.port = port;
    p.state = PortState::open;
    p.reason = Reason::syn_ack;
    h.ports.push_back(p);
    return h;
}

// Schema 5: a schema 3 database (scans in it) is migrated, and -sV's findings are kept per scan;
// a port's consecutive findings that differ are its version changes.
TEST_P(HistorySchemaTest, Schema3IsMigratedAndKeepsServiceChanges) {
    std::int64_t old_scan = 0;
    {
        auto store3 = store_at(3);
        ASSERT_TRUE(store3);
        const HostResult hosts[] = {host_with_port("198.18.0.2", 22, 10)};
        auto id = store3->record_scan(ScanInfo{at_second(9), at_second(10), "scan", "connect", "connect"}, hosts);
        ASSERT_TRUE(id) << id.error().message;
        old_scan = *id;
    }
    auto store = open_ok();
    ASSERT_TRUE(store);
    EXPECT_EQ(store->schema_version(), 6);
    const Address host = Address::parse("198.18.0.2").value();
    const ServiceRecord v92{host, Proto::tcp, 22, "ssh", "OpenSSH", "9.2p1", "protocol 2.0", ""};
    ServiceRecord v93 = v92;
    v93.version = "9.3p1";
    ASSERT_TRUE(store->add_services(old_scan, std::span(&v92, 1)));
    std::int64_t ids[2] = {};
    for (int i = 0; i < 2; ++i) {
        const HostResult hosts[] = {host_with_port("198.18.0.2", 22, 20 + 10 * i)};
        auto id = store->record_scan(ScanInfo{at_second(19 + 10 * i), at_second(20 + 10 * i), "scan", "connect", "connect"},
                                     hosts);
        ASSERT_TRUE(id) << id.error().message;
        ids[i] = *id;
        ASSERT_TRUE(store->add_services(*id, std::span(i == 0 ? &v92 : &v93, 1)));
    }
    auto seen = store->service_timeline(host, Proto::tcp, 22);
    ASSERT_TRUE(seen) << seen.error().message;
    ASSERT_EQ(seen->size(), 3U);
    EXPECT_EQ(seen->front().scan_id, old_scan);
    EXPECT_EQ(seen->front().time, at_second(10));  // the host's end time
    EXPECT_EQ(seen->back().service.label(), "OpenSSH 9.3p1");
    auto changes = store->service_changes(at_second(0));
    ASSERT_TRUE(changes) << changes.error().message;
    ASSERT_EQ(changes->size(), 1U);
    EXPECT_EQ(changes->front().before.scan_id, ids[0]);
    EXPECT_EQ(changes->front().after.scan_id, ids[1]);
    EXPECT_EQ(changes->front().after.service.version, "9.3p1");
    auto later = store->service_changes(at_second(31));
    ASSERT_TRUE(later);
    EXPECT_TRUE(later->empty());
}

// Schema 6: a schema 5 database's named scan (scan_shards rows, unique per shard index there) is
// kept, and a resumed shard then adds a second row for its index.
TEST_P(HistorySchemaTest, Schema5ShardsAreKeptAndAResumedShardAddsARow) {
    std::int64_t old_scan = 0;
    {
        auto store5 = store_at(5);
        ASSERT_TRUE(store5);
        ScanInfo info{at_second(9), at_second(9), "scan --scan-id nightly", "raw", "syn", {}};
        info.shard = ShardTag{"nightly", 0, 1};
        auto id = store5->begin_scan(info);
        ASSERT_TRUE(id) << id.error().message;
        old_scan = *id;
        const HostResult hosts[] = {host_with_port("198.18.0.2", 22, 10)};
        ASSERT_TRUE(store5->add_hosts(old_scan, info, hosts));
        info.finished = false;  // interrupted
        ASSERT_TRUE(store5->end_scan(old_scan, info));
    }
    auto store = open_ok();
    ASSERT_TRUE(store);
    EXPECT_EQ(store->schema_version(), 6);
    auto named = store->named_scan("nightly");
    ASSERT_TRUE(named) << named.error().message;
    EXPECT_EQ(named->scan_ids, (std::vector<std::int64_t>{old_scan}));
    EXPECT_EQ(named->missing, (std::vector<std::uint32_t>{0}));
    ScanInfo info{at_second(19), at_second(19), "scan --scan-id nightly --resume x", "raw", "syn", {}};
    info.shard = ShardTag{"nightly", 0, 1, /*resumed=*/true};
    auto resumed = store->begin_scan(info);
    ASSERT_TRUE(resumed) << resumed.error().message;
    const HostResult hosts[] = {host_with_port("198.18.0.2", 80, 20)};
    ASSERT_TRUE(store->add_hosts(*resumed, info, hosts));
    ASSERT_TRUE(store->end_scan(*resumed, info));
    named = store->named_scan("nightly");
    ASSERT_TRUE(named) << named.error().message;
    EXPECT_EQ(named->scan_ids, (std::vector<std::int64_t>{old_scan, *resumed}));
    EXPECT_TRUE(named->complete());
    auto db = raw();
    ASSERT_TRUE(db) << db.error().message;
    auto rows = (*db)->query("SELECT scan_id, shard_index, finished FROM scan_shards ORDER BY scan_id");
    ASSERT_TRUE(rows) << rows.error().message;
    ASSERT_EQ(rows->size(), 2U);
    EXPECT_EQ(rows->at(0).at(2), "0");
    EXPECT_EQ(rows->at(1).at(1), "0");
    EXPECT_EQ(rows->at(1).at(2), "1");
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
                  "history schema version 99 is newer than this portwarden supports (6)"),
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

// The history schema, its versioned migrations, and the pieces every backend shares.
#include <charconv>
#include <chrono>
#include <string>

#include <fmt/format.h>

#include "history/sql.hpp"

namespace portwarden::history {
namespace {

// Migration 1. Times are microseconds since the Unix epoch (UTC); addresses, protocols, states
// and reasons are text in nmap's spelling ("fd00::1", "tcp", "open|filtered", "syn-ack").
// @ID@ is the one word the dialects spell differently.
constexpr std::string_view migration_1 = R"sql(
CREATE TABLE scans (
  id @ID@,
  started_us BIGINT NOT NULL,
  ended_us BIGINT NOT NULL,
  command_line TEXT NOT NULL,
  engine TEXT NOT NULL
);
CREATE TABLE host_results (
  scan_id BIGINT NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
  host TEXT NOT NULL,
  hostname TEXT NOT NULL,
  ptr_name TEXT NOT NULL,
  state TEXT NOT NULL,
  reason TEXT NOT NULL,
  reason_ttl INTEGER,
  started_us BIGINT NOT NULL,
  ended_us BIGINT NOT NULL,
  complete INTEGER NOT NULL,
  PRIMARY KEY (scan_id, host)
);
CREATE TABLE port_results (
  scan_id BIGINT NOT NULL,
  time_us BIGINT NOT NULL,
  host TEXT NOT NULL,
  proto TEXT NOT NULL,
  port INTEGER NOT NULL,
  state TEXT NOT NULL,
  reason TEXT NOT NULL,
  ttl INTEGER,
  responder TEXT,
  rtt_us BIGINT,
  PRIMARY KEY (scan_id, host, proto, port),
  FOREIGN KEY (scan_id, host) REFERENCES host_results (scan_id, host) ON DELETE CASCADE
);
CREATE INDEX port_results_by_port ON port_results (host, proto, port, time_us);
CREATE INDEX port_results_by_time ON port_results (time_us);
)sql";

// Migration 2: compact ports, the scan's technique, audits. Per (scan, host, proto),
// port_sets holds the ports scanned (a range list, "1-1000,8080", and its bounds) and their
// default (state, reason, ttl, responder): the most common (state, reason) among the ports that
// are not open (NULL when all are). port_results keeps only the ports that differ from the
// default, and every open port. convert_to_compact() moves version 1 rows over.
constexpr std::string_view migration_2 = R"sql(
ALTER TABLE scans ADD COLUMN technique TEXT NOT NULL DEFAULT '';
CREATE TABLE port_sets (
  scan_id BIGINT NOT NULL,
  time_us BIGINT NOT NULL,
  host TEXT NOT NULL,
  proto TEXT NOT NULL,
  ports TEXT NOT NULL,
  first_port INTEGER NOT NULL,
  last_port INTEGER NOT NULL,
  state TEXT,
  reason TEXT,
  ttl INTEGER,
  responder TEXT,
  PRIMARY KEY (scan_id, host, proto),
  FOREIGN KEY (scan_id, host) REFERENCES host_results (scan_id, host) ON DELETE CASCADE
);
CREATE INDEX port_sets_by_host ON port_sets (host, proto, time_us);
CREATE INDEX port_sets_by_time ON port_sets (time_us);
CREATE TABLE audits (
  id @ID@,
  scan_id BIGINT REFERENCES scans (id) ON DELETE SET NULL,
  time_us BIGINT NOT NULL,
  policy TEXT NOT NULL,
  verdict TEXT NOT NULL
);
CREATE TABLE audit_findings (
  audit_id BIGINT NOT NULL REFERENCES audits (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  rule_id TEXT NOT NULL,
  policy_group TEXT NOT NULL,
  host TEXT NOT NULL,
  proto TEXT,
  port INTEGER,
  state TEXT,
  message TEXT NOT NULL,
  policy_rule TEXT NOT NULL,
  policy_line INTEGER NOT NULL,
  PRIMARY KEY (audit_id, seq)
);
)sql";

// Migration 3: shards of named scans (`scan --scan-id NAME --shard I/N`). Each shard is a scan
// row of its own; this table ties it to the logical scan. (name, shard_index) is unique: a
// retried shard deletes its earlier scan row (and so its hosts and ports) before it begins
// (migration 6 drops the constraint: a resumed shard keeps them).
constexpr std::string_view migration_3 = R"sql(
CREATE TABLE scan_shards (
  scan_id BIGINT NOT NULL PRIMARY KEY REFERENCES scans (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  shard_index INTEGER NOT NULL,
  shard_count INTEGER NOT NULL,
  finished INTEGER NOT NULL,
  UNIQUE (name, shard_index)
);
)sql";

// Migration 4: the named scan an audit read (`audit --from @NAME`, its shards merged), which
// no single scan_id stands for; NULL for audits of one scan or of a file.
constexpr std::string_view migration_4 = R"sql(
ALTER TABLE audits ADD COLUMN scan_name TEXT;
)sql";

// Migration 5: what -sV found (ServiceRecord), one row per probed port of a scan; a port's
// version changes are its consecutive rows that differ.
constexpr std::string_view migration_5 = R"sql(
CREATE TABLE port_services (
  scan_id BIGINT NOT NULL,
  time_us BIGINT NOT NULL,
  host TEXT NOT NULL,
  proto TEXT NOT NULL,
  port INTEGER NOT NULL,
  name TEXT NOT NULL,
  product TEXT NOT NULL,
  version TEXT NOT NULL,
  extrainfo TEXT NOT NULL,
  tunnel TEXT NOT NULL,
  PRIMARY KEY (scan_id, host, proto, port),
  FOREIGN KEY (scan_id, host) REFERENCES host_results (scan_id, host) ON DELETE CASCADE
);
CREATE INDEX port_services_by_port ON port_services (host, proto, port, time_us);
CREATE INDEX port_services_by_time ON port_services (time_us);
)sql";

// Migration 6: several runs of one shard (scan_shards without UNIQUE (name, shard_index)): a
// resumed shard (`--resume`) is a scan row of its own beside its interrupted run's, which holds
// the ports it skips; a retried shard still deletes its earlier rows (replace_shard). The table
// is rebuilt, the one way both SQLite and PostgreSQL drop a table constraint.
constexpr std::string_view migration_6 = R"sql(
CREATE TABLE scan_shards_new (
  scan_id BIGINT NOT NULL PRIMARY KEY REFERENCES scans (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  shard_index INTEGER NOT NULL,
  shard_count INTEGER NOT NULL,
  finished INTEGER NOT NULL
);
INSERT INTO scan_shards_new (scan_id, name, shard_index, shard_count, finished)
  SELECT scan_id, name, shard_index, shard_count, finished FROM scan_shards;
DROP TABLE scan_shards;
ALTER TABLE scan_shards_new RENAME TO scan_shards;
CREATE INDEX scan_shards_by_name ON scan_shards (name, shard_index);
)sql";

constexpr Migration migrations[] = {
    {migration_1, nullptr},
    {migration_2, convert_to_compact},
    {migration_3, nullptr},
    {migration_4, nullptr},
    {migration_5, nullptr},
    {migration_6, nullptr},
};

std::string render(std::string_view ddl, Dialect dialect) {
    const std::string_view id = dialect == Dialect::sqlite
                                    ? "INTEGER PRIMARY KEY AUTOINCREMENT"
                                    : "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY";
    std::string out(ddl);
    for (auto at = out.find("@ID@"); at != std::string::npos; at = out.find("@ID@", at)) {
        out.replace(at, 4, id);
    }
    return out;
}

std::int64_t now_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

std::span<const Migration> history_migrations() { return migrations; }

Result<Transaction> Transaction::begin(SqlConnection& db) {
    if (auto ok = db.begin_write(); !ok) {
        return tl::unexpected(ok.error());
    }
    return Transaction(db);
}

Transaction::~Transaction() {
    if (db_ != nullptr) {
        (void)db_->exec_script("ROLLBACK");
    }
}

Result<void> Transaction::commit() {
    auto* db = std::exchange(db_, nullptr);
    return db->exec_script("COMMIT");
}

Result<std::int64_t> column_int(const SqlRow& row, std::size_t index) {
    if (index >= row.size() || !row[index]) {
        return fail(fmt::format("history: column {} is missing or NULL", index));
    }
    const std::string& text = *row[index];
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) {
        return fail(fmt::format("history: column {} is not an integer: '{}'", index, text));
    }
    return value;
}

Result<int> migrate(SqlConnection& db, std::span<const Migration> list) {
    auto tx = Transaction::begin(db);
    if (!tx) {
        return tl::unexpected(tx.error());
    }
    if (db.dialect() == Dialect::postgres) {
        // Two processes opening a fresh database at once: the second waits for the first.
        if (auto locked = db.query("SELECT pg_advisory_xact_lock(7302063)"); !locked) {
            return tl::unexpected(locked.error());
        }
    }
    if (auto ok = db.exec_script("CREATE TABLE IF NOT EXISTS schema_version ("
                                 "version INTEGER NOT NULL, applied_us BIGINT NOT NULL)");
        !ok) {
        return tl::unexpected(ok.error());
    }
    auto rows = db.query("SELECT MAX(version) FROM schema_version");
    if (!rows) {
        return tl::unexpected(rows.error());
    }
    std::int64_t current = 0;
    if (!rows->empty() && !rows->front().empty() && rows->front()[0]) {
        auto v = column_int(rows->front(), 0);
        if (!v) {
            return tl::unexpected(v.error());
        }
        current = *v;
    }
    const auto latest = static_cast<std::int64_t>(list.size());
    if (current > latest) {
        return fail(fmt::format(
            "history schema version {} is newer than this portwarden supports ({}); "
            "use a newer portwarden or another database",
            current, latest));
    }
    for (std::int64_t v = current + 1; v <= latest; ++v) {
        if (auto ok = db.exec_script(render(list[static_cast<std::size_t>(v - 1)].ddl, db.dialect()));
            !ok) {
            return fail(fmt::format("history schema migration {}: {}", v, ok.error().message));
        }
        if (const auto convert = list[static_cast<std::size_t>(v - 1)].convert) {
            if (auto ok = convert(db); !ok) {
                return fail(fmt::format("history schema migration {}: {}", v, ok.error().message));
            }
        }
        const SqlValue params[] = {v, now_us()};
        if (auto ok = db.query("INSERT INTO schema_version (version, applied_us) VALUES ($1, $2)",
                               params);
            !ok) {
            return tl::unexpected(ok.error());
        }
    }
    if (auto ok = tx->commit(); !ok) {
        return tl::unexpected(ok.error());
    }
    return static_cast<int>(latest);
}

}  // namespace portwarden::history

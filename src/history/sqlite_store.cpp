// The SQLite backend: one file, WAL journal (readers never block the writer), a busy timeout
// so that two processes recording at once queue instead of failing.
#include <memory>
#include <string>
#include <unordered_map>

#include <fmt/format.h>
#include <sqlite3.h>

#include "history/sql.hpp"

namespace portwarden::history {
namespace {

struct DbClose {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalize {
    void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using DbPtr = std::unique_ptr<sqlite3, DbClose>;
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtFinalize>;

// Resets a cached statement when the query is done with it, whatever happens.
struct StmtReset {
    void operator()(sqlite3_stmt* stmt) const {
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
    }
};

constexpr int busy_timeout_ms = 30000;

class SqliteConnection final : public SqlConnection {
public:
    explicit SqliteConnection(DbPtr db) : db_(std::move(db)) {}

    Dialect dialect() const override { return Dialect::sqlite; }

    Result<void> exec_script(const std::string& sql) override {
        char* message = nullptr;
        if (sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
            std::string text = message != nullptr ? message : sqlite3_errmsg(db_.get());
            sqlite3_free(message);
            return fail(fmt::format("sqlite: {}", text));
        }
        return {};
    }

    Result<void> begin_write() override { return exec_script("BEGIN IMMEDIATE"); }

    Result<std::vector<SqlRow>> query(const std::string& sql,
                                      std::span<const SqlValue> params) override {
        auto stmt = prepare(sql);
        if (!stmt) {
            return tl::unexpected(stmt.error());
        }
        std::unique_ptr<sqlite3_stmt, StmtReset> in_use(*stmt);
        if (auto bound = bind(*stmt, params); !bound) {
            return tl::unexpected(bound.error());
        }
        std::vector<SqlRow> rows;
        for (;;) {
            const int rc = sqlite3_step(*stmt);
            if (rc == SQLITE_DONE) {
                return rows;
            }
            if (rc != SQLITE_ROW) {
                return fail(fmt::format("sqlite: {}", sqlite3_errmsg(db_.get())));
            }
            const int columns = sqlite3_column_count(*stmt);
            SqlRow& row = rows.emplace_back(static_cast<std::size_t>(columns));
            for (int c = 0; c < columns; ++c) {
                if (sqlite3_column_type(*stmt, c) == SQLITE_NULL) {
                    continue;
                }
                const auto* text = sqlite3_column_text(*stmt, c);
                const auto size = static_cast<std::size_t>(sqlite3_column_bytes(*stmt, c));
                row[static_cast<std::size_t>(c)] =
                    std::string(reinterpret_cast<const char*>(text), size);
            }
        }
    }

private:
    // Statements are prepared once per connection and reused (a scan records many rows).
    Result<sqlite3_stmt*> prepare(const std::string& sql) {
        if (auto it = cache_.find(sql); it != cache_.end()) {
            return it->second.get();
        }
        sqlite3_stmt* raw = nullptr;
        if (sqlite3_prepare_v3(db_.get(), sql.c_str(), static_cast<int>(sql.size() + 1),
                               SQLITE_PREPARE_PERSISTENT, &raw, nullptr) != SQLITE_OK) {
            return fail(fmt::format("sqlite: {}", sqlite3_errmsg(db_.get())));
        }
        return cache_.emplace(sql, StmtPtr(raw)).first->second.get();
    }

    // $N takes params[N-1]; every parameter must be used and every placeholder given.
    Result<void> bind(sqlite3_stmt* stmt, std::span<const SqlValue> params) {
        if (sqlite3_bind_parameter_count(stmt) != static_cast<int>(params.size())) {
            return fail(fmt::format("sqlite: statement wants {} parameters, {} given",
                                    sqlite3_bind_parameter_count(stmt), params.size()));
        }
        for (std::size_t i = 0; i < params.size(); ++i) {
            const std::string name = fmt::format("${}", i + 1);
            const int index = sqlite3_bind_parameter_index(stmt, name.c_str());
            int rc = SQLITE_OK;
            if (index == 0) {
                return fail(fmt::format("sqlite: statement has no parameter {}", name));
            }
            if (const auto* number = std::get_if<std::int64_t>(&params[i])) {
                rc = sqlite3_bind_int64(stmt, index, *number);
            } else if (const auto* text = std::get_if<std::string>(&params[i])) {
                rc = sqlite3_bind_text(stmt, index, text->data(), static_cast<int>(text->size()),
                                       SQLITE_TRANSIENT);
            } else {
                rc = sqlite3_bind_null(stmt, index);
            }
            if (rc != SQLITE_OK) {
                return fail(fmt::format("sqlite: {}", sqlite3_errmsg(db_.get())));
            }
        }
        return {};
    }

    DbPtr db_;
    std::unordered_map<std::string, StmtPtr> cache_;  // destroyed before db_
};

}  // namespace

Result<std::unique_ptr<SqlConnection>> open_sqlite(const std::string& path) {
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw,
                                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    DbPtr db(raw);
    if (rc != SQLITE_OK) {
        return fail(fmt::format("{}: {}", path,
                                db ? sqlite3_errmsg(db.get()) : sqlite3_errstr(rc)));
    }
    sqlite3_extended_result_codes(db.get(), 1);
    sqlite3_busy_timeout(db.get(), busy_timeout_ms);
    // The last close empties the write-ahead log instead of deleting it (a persistent WAL
    // truncated to 0 bytes): as root, a scan writes its history after dropping privileges, and
    // its unlink() of history.db-wal in a root-owned directory fails. The WAL then kept every
    // page of the last scan, and the next start read all of it back (~800 KB for a -p- host).
    int persist = 1;
    sqlite3_file_control(db.get(), "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
    auto conn = std::make_unique<SqliteConnection>(std::move(db));
    auto wal = conn->query("PRAGMA journal_mode=WAL", {});
    if (!wal) {
        return fail(fmt::format("{}: {}", path, wal.error().message));
    }
    if (auto ok = conn->exec_script("PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-256; "
                                    "PRAGMA journal_size_limit=0");
        !ok) {
        return fail(fmt::format("{}: {}", path, ok.error().message));
    }
    return std::unique_ptr<SqlConnection>(std::move(conn));
}

}  // namespace portwarden::history

#pragma once
// The little a history backend must provide: parameterized statements ($1, $2, ... in the
// text, values bound separately, never spliced in), DDL scripts, and transactions.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "portwarden/error.hpp"
#include "portwarden/history.hpp"

namespace portwarden::history {

using SqlValue = std::variant<std::monostate, std::int64_t, std::string>;  // monostate: NULL
using SqlRow = std::vector<std::optional<std::string>>;                    // nullopt: NULL

enum class Dialect : std::uint8_t { sqlite, postgres };

class SqlConnection {
public:
    virtual ~SqlConnection() = default;
    virtual Dialect dialect() const = 0;
    // A script of statements without parameters (schema migrations, BEGIN, COMMIT).
    virtual Result<void> exec_script(const std::string& sql) = 0;
    // One statement; $N is bound to params[N-1]. Returns every row, columns as text.
    virtual Result<std::vector<SqlRow>> query(const std::string& sql,
                                              std::span<const SqlValue> params = {}) = 0;
    // Starts a transaction that will write: SQLite takes the write lock at once
    // (BEGIN IMMEDIATE, so two writers queue instead of deadlocking).
    virtual Result<void> begin_write() = 0;
};

// Commits on commit(); rolls back when it goes out of scope uncommitted.
class Transaction {
public:
    static Result<Transaction> begin(SqlConnection& db);
    Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
    Transaction& operator=(Transaction&&) = delete;
    ~Transaction();
    Result<void> commit();

private:
    explicit Transaction(SqlConnection& db) : db_(&db) {}
    SqlConnection* db_;
};

Result<std::unique_ptr<SqlConnection>> open_sqlite(const std::string& path);
Result<std::unique_ptr<SqlConnection>> open_postgres(const std::string& url);

// Brings the schema to `migrations.size()` (migration i creates version i + 1) in one
// transaction; refuses a database newer than that. Returns the version.
struct Migration {
    std::string_view ddl;  // both dialects; "@ID@" stands for the auto-numbered key column
    // Moves existing data to the new tables after `ddl` ran (same transaction); may be null.
    Result<void> (*convert)(SqlConnection& db) = nullptr;
};
Result<int> migrate(SqlConnection& db, std::span<const Migration> migrations);
std::span<const Migration> history_migrations();

// Migration 2's data step (convert_v2.cpp): version 1 port rows to port sets and defaults.
Result<void> convert_to_compact(SqlConnection& db);

// The HistoryStore over a migrated connection (store.cpp).
std::unique_ptr<HistoryStore> make_store(std::unique_ptr<SqlConnection> db, int version);

// Text of a column, parsed; errors name the column.
Result<std::int64_t> column_int(const SqlRow& row, std::size_t index);

}  // namespace portwarden::history

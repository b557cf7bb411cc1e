// The PostgreSQL backend, through libpq: values travel as parameters of PQexecParams (text
// format, types inferred by the server), never inside the SQL text.
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <libpq-fe.h>

#include "history/sql.hpp"

namespace portwarden::history {
namespace {

struct ConnFinish {
    void operator()(PGconn* conn) const { PQfinish(conn); }
};
struct ResultClear {
    void operator()(PGresult* result) const { PQclear(result); }
};
using ConnPtr = std::unique_ptr<PGconn, ConnFinish>;
using ResultPtr = std::unique_ptr<PGresult, ResultClear>;

// libpq messages end with a newline (and may span lines); keep the first line.
std::string first_line(const char* message) {
    std::string text = message != nullptr ? message : "unknown error";
    if (auto nl = text.find('\n'); nl != std::string::npos) {
        text.resize(nl);
    }
    return text;
}

void ignore_notice(void* /*arg*/, const char* /*message*/) {}

class PostgresConnection final : public SqlConnection {
public:
    explicit PostgresConnection(ConnPtr conn) : conn_(std::move(conn)) {}

    Dialect dialect() const override { return Dialect::postgres; }

    Result<void> exec_script(const std::string& sql) override {
        ResultPtr result(PQexec(conn_.get(), sql.c_str()));
        return check(result.get()).map([](auto&&) {});
    }

    Result<void> begin_write() override { return exec_script("BEGIN"); }

    Result<std::vector<SqlRow>> query(const std::string& sql,
                                      std::span<const SqlValue> params) override {
        std::vector<std::string> text(params.size());
        std::vector<const char*> values(params.size(), nullptr);
        for (std::size_t i = 0; i < params.size(); ++i) {
            if (const auto* number = std::get_if<std::int64_t>(&params[i])) {
                text[i] = std::to_string(*number);
                values[i] = text[i].c_str();
            } else if (const auto* str = std::get_if<std::string>(&params[i])) {
                values[i] = str->c_str();
            }
        }
        ResultPtr result(PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(params.size()),
                                      nullptr, values.data(), nullptr, nullptr, 0));
        if (auto ok = check(result.get()); !ok) {
            return tl::unexpected(ok.error());
        }
        std::vector<SqlRow> rows(static_cast<std::size_t>(PQntuples(result.get())));
        const int columns = PQnfields(result.get());
        for (std::size_t r = 0; r < rows.size(); ++r) {
            rows[r].resize(static_cast<std::size_t>(columns));
            const int row = static_cast<int>(r);
            for (int c = 0; c < columns; ++c) {
                if (PQgetisnull(result.get(), row, c) == 0) {
                    rows[r][static_cast<std::size_t>(c)] =
                        std::string(PQgetvalue(result.get(), row, c),
                                    static_cast<std::size_t>(PQgetlength(result.get(), row, c)));
                }
            }
        }
        return rows;
    }

private:
    Result<bool> check(const PGresult* result) {
        const auto status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
        if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
            return true;
        }
        return fail(fmt::format("postgresql: {}",
                                first_line(result != nullptr ? PQresultErrorMessage(result)
                                                             : PQerrorMessage(conn_.get()))));
    }

    ConnPtr conn_;
};

}  // namespace

Result<std::unique_ptr<SqlConnection>> open_postgres(const std::string& url) {
    ConnPtr conn(PQconnectdb(url.c_str()));
    if (!conn) {
        return fail("postgresql: out of memory");
    }
    if (PQstatus(conn.get()) != CONNECTION_OK) {
        return fail(fmt::format("postgresql: {}", first_line(PQerrorMessage(conn.get()))));
    }
    PQsetNoticeProcessor(conn.get(), ignore_notice, nullptr);
    return std::unique_ptr<SqlConnection>(std::make_unique<PostgresConnection>(std::move(conn)));
}

}  // namespace portwarden::history

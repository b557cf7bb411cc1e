// The PostgreSQL backend, through libpq: values travel as parameters of PQexecParams (text
// format, types inferred by the server), never inside the SQL text.
//
// libpq is loaded with dlopen() when a postgresql:// history is opened, not linked: it pulls in
// OpenSSL, Kerberos, LDAP and GnuTLS, whose loading alone cost every run (scans included) about
// 6 MB of resident memory. Only its header is used at build time.
#include <dlfcn.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <libpq-fe.h>

#include "history/sql.hpp"
#include "io/dynamic_symbol.hpp"

namespace portwarden::history {
namespace {

// The libpq functions this backend calls, resolved from libpq.so.5.
struct Libpq {
    Libpq() = default;
    Libpq(const Libpq&) = delete;
    Libpq& operator=(const Libpq&) = delete;
    ~Libpq() {
        if (handle != nullptr) {
            dlclose(handle);
        }
    }
    void* handle = nullptr;
    decltype(&PQconnectdb) connectdb = nullptr;
    decltype(&PQstatus) status = nullptr;
    decltype(&PQerrorMessage) error_message = nullptr;
    decltype(&PQsetNoticeProcessor) set_notice_processor = nullptr;
    decltype(&PQfinish) finish = nullptr;
    decltype(&PQexec) exec = nullptr;
    decltype(&PQexecParams) exec_params = nullptr;
    decltype(&PQresultStatus) result_status = nullptr;
    decltype(&PQresultErrorMessage) result_error_message = nullptr;
    decltype(&PQntuples) ntuples = nullptr;
    decltype(&PQnfields) nfields = nullptr;
    decltype(&PQgetisnull) getisnull = nullptr;
    decltype(&PQgetvalue) getvalue = nullptr;
    decltype(&PQgetlength) getlength = nullptr;
    decltype(&PQclear) clear = nullptr;
};

using io::resolve_symbol;

Result<std::shared_ptr<const Libpq>> load_libpq() {
    auto lib = std::make_shared<Libpq>();
    lib->handle = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
    if (lib->handle == nullptr) {
        const char* why = dlerror();
        return fail(fmt::format("postgresql: cannot load libpq.so.5 (Debian package libpq5): {}",
                                why != nullptr ? why : "unknown error"));
    }
    const bool ok = resolve_symbol(lib->handle, "PQconnectdb", lib->connectdb) &&
                    resolve_symbol(lib->handle, "PQstatus", lib->status) &&
                    resolve_symbol(lib->handle, "PQerrorMessage", lib->error_message) &&
                    resolve_symbol(lib->handle, "PQsetNoticeProcessor", lib->set_notice_processor) &&
                    resolve_symbol(lib->handle, "PQfinish", lib->finish) && resolve_symbol(lib->handle, "PQexec", lib->exec) &&
                    resolve_symbol(lib->handle, "PQexecParams", lib->exec_params) &&
                    resolve_symbol(lib->handle, "PQresultStatus", lib->result_status) &&
                    resolve_symbol(lib->handle, "PQresultErrorMessage", lib->result_error_message) &&
                    resolve_symbol(lib->handle, "PQntuples", lib->ntuples) &&
                    resolve_symbol(lib->handle, "PQnfields", lib->nfields) &&
                    resolve_symbol(lib->handle, "PQgetisnull", lib->getisnull) &&
                    resolve_symbol(lib->handle, "PQgetvalue", lib->getvalue) &&
                    resolve_symbol(lib->handle, "PQgetlength", lib->getlength) && resolve_symbol(lib->handle, "PQclear", lib->clear);
    if (!ok) {
        return fail("postgresql: libpq.so.5 lacks a function this portwarden needs");
    }
    return std::shared_ptr<const Libpq>(std::move(lib));
}

struct ConnFinish {
    std::shared_ptr<const Libpq> pq;
    void operator()(PGconn* conn) const { pq->finish(conn); }
};
struct ResultClear {
    const Libpq* pq = nullptr;
    void operator()(PGresult* result) const { pq->clear(result); }
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
    explicit PostgresConnection(ConnPtr conn) : pq_(conn.get_deleter().pq.get()), conn_(std::move(conn)) {}

    Dialect dialect() const override { return Dialect::postgres; }

    Result<void> exec_script(const std::string& sql) override {
        ResultPtr result(pq_->exec(conn_.get(), sql.c_str()), ResultClear{pq_});
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
        ResultPtr result(pq_->exec_params(conn_.get(), sql.c_str(), static_cast<int>(params.size()), nullptr,
                                          values.data(), nullptr, nullptr, 0),
                         ResultClear{pq_});
        if (auto ok = check(result.get()); !ok) {
            return tl::unexpected(ok.error());
        }
        std::vector<SqlRow> rows(static_cast<std::size_t>(pq_->ntuples(result.get())));
        const int columns = pq_->nfields(result.get());
        for (std::size_t r = 0; r < rows.size(); ++r) {
            rows[r].resize(static_cast<std::size_t>(columns));
            const int row = static_cast<int>(r);
            for (int c = 0; c < columns; ++c) {
                if (pq_->getisnull(result.get(), row, c) == 0) {
                    rows[r][static_cast<std::size_t>(c)] =
                        std::string(pq_->getvalue(result.get(), row, c),
                                    static_cast<std::size_t>(pq_->getlength(result.get(), row, c)));
                }
            }
        }
        return rows;
    }

private:
    Result<bool> check(const PGresult* result) {
        const auto status = result != nullptr ? pq_->result_status(result) : PGRES_FATAL_ERROR;
        if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
            return true;
        }
        return fail(fmt::format("postgresql: {}",
                                first_line(result != nullptr ? pq_->result_error_message(result)
                                                             : pq_->error_message(conn_.get()))));
    }

    const Libpq* pq_;  // kept alive by conn_'s deleter
    ConnPtr conn_;
};

}  // namespace

Result<std::unique_ptr<SqlConnection>> open_postgres(const std::string& url) {
    auto pq = load_libpq();
    if (!pq) {
        return tl::unexpected(pq.error());
    }
    const Libpq& lib = **pq;
    ConnPtr conn(lib.connectdb(url.c_str()), ConnFinish{*pq});
    if (!conn) {
        return fail("postgresql: out of memory");
    }
    if (lib.status(conn.get()) != CONNECTION_OK) {
        return fail(fmt::format("postgresql: {}", first_line(lib.error_message(conn.get()))));
    }
    lib.set_notice_processor(conn.get(), ignore_notice, nullptr);
    return std::unique_ptr<SqlConnection>(std::make_unique<PostgresConnection>(std::move(conn)));
}

}  // namespace portwarden::history

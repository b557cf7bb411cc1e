#pragma once
// Reading query results: times, rows of text columns parsed in order, the port key.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "history/sql.hpp"
#include "portwarden/history.hpp"

namespace portwarden::history {

inline std::int64_t to_us(HistoryTime t) {
    return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}
inline HistoryTime from_us(std::int64_t us) {
    return HistoryTime(std::chrono::duration_cast<HistoryTime::duration>(std::chrono::microseconds(us)));
}

template <class T>
SqlValue optional_int(const std::optional<T>& v) {
    return v ? SqlValue(static_cast<std::int64_t>(*v)) : SqlValue();
}
inline SqlValue optional_address(const std::optional<Address>& a) {
    return a ? SqlValue(a->to_string()) : SqlValue();
}
inline SqlValue text(std::string_view s) { return SqlValue(std::string(s)); }

// Reads a row's columns in order, collecting the first error (a corrupt or foreign database).
class RowReader {
public:
    explicit RowReader(const SqlRow& row) : row_(row) {}
    const std::string& text() {
        static const std::string empty;
        const auto& cell = row_[next_++];
        return cell ? *cell : empty;
    }
    bool null() const { return !row_[next_]; }
    void skip() { ++next_; }
    std::int64_t integer() {
        auto v = column_int(row_, next_++);
        if (!v) {
            note(v.error().message);
            return 0;
        }
        return *v;
    }
    template <class T>
    std::optional<T> optional_int() {
        if (null()) {
            skip();
            return std::nullopt;
        }
        return static_cast<T>(integer());
    }
    template <class T>
    T parsed(std::optional<T> (*parse)(std::string_view), std::string_view what) {
        const std::string& t = text();
        if (auto v = parse(t)) {
            return *v;
        }
        note(fmt::format("history: unknown {} '{}'", what, t));
        return T{};
    }
    Proto proto() { return parsed(parse_proto, "protocol"); }
    PortState state() { return parsed(parse_port_state, "state"); }
    Reason reason() { return parsed(parse_reason, "reason"); }
    std::uint16_t port() { return static_cast<std::uint16_t>(integer()); }
    Address address() {
        const std::string& t = text();
        if (auto a = Address::parse(t)) {
            return *a;
        }
        note(fmt::format("history: bad address '{}'", t));
        return {};
    }
    std::optional<Address> optional_address() {
        if (null()) {
            skip();
            return std::nullopt;
        }
        return address();
    }
    void note(std::string message) {
        if (!error_) {
            error_ = std::move(message);
        }
    }
    const std::optional<std::string>& error() const { return error_; }

private:
    const SqlRow& row_;
    std::size_t next_ = 0;
    std::optional<std::string> error_;
};

// Every row read with `read`, or the first error.
template <class T, class Read>
Result<std::vector<T>> read_rows(const Result<std::vector<SqlRow>>& rows, Read read) {
    if (!rows) {
        return tl::unexpected(rows.error());
    }
    std::vector<T> out;
    out.reserve(rows->size());
    for (const auto& row : *rows) {
        RowReader in(row);
        out.push_back(read(in));
        if (in.error()) {
            return fail(*in.error());
        }
    }
    return out;
}

// Runs an INSERT ... RETURNING id; `what` names the row in the error ("scan", "audit").
inline Result<std::int64_t> insert_returning_id(SqlConnection& db, const std::string& sql,
                                                std::span<const SqlValue> params, std::string_view what) {
    auto rows = db.query(sql, params);
    if (!rows) {
        return tl::unexpected(rows.error());
    }
    if (rows->empty()) {
        return fail(fmt::format("history: no id for the new {}", what));
    }
    return column_int(rows->front(), 0);
}

// One port of one host: the key the history is indexed by.
struct PortKey {
    Address host;
    Proto proto = Proto::tcp;
    std::uint16_t port = 0;
    friend auto operator<=>(const PortKey&, const PortKey&) = default;
};

}  // namespace portwarden::history

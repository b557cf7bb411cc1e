#pragma once
// A schema version 1 database, written as portwarden wrote it before migration 2 (a row per
// port), and the version 1 queries: what the compact store's answers must equal.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "history/rows.hpp"
#include "history/sql.hpp"
#include "portwarden/history.hpp"

namespace portwarden::test::v1 {

using history::SqlConnection;
using history::SqlValue;

using history::from_us;
using history::optional_int;
using history::text;
using history::to_us;

// Brings an empty database to version 1 only.
inline void create(SqlConnection& db) {
    auto v = history::migrate(db, history::history_migrations().first(1));
    ASSERT_TRUE(v) << v.error().message;
}

// Records a scan the version 1 way (one transaction); returns its id.
inline std::int64_t record(SqlConnection& db, const ScanInfo& info, std::span<const HostResult> hosts) {
    EXPECT_TRUE(db.begin_write());
    const SqlValue scan[] = {to_us(info.start_time), to_us(info.end_time), info.command_line, info.engine};
    auto rows = db.query("INSERT INTO scans (started_us, ended_us, command_line, engine) "
                         "VALUES ($1, $2, $3, $4) RETURNING id",
                         scan);
    EXPECT_TRUE(rows) << rows.error().message;
    const std::int64_t id = history::column_int(rows->front(), 0).value();
    for (const auto& host : hosts) {
        const std::string address = host.address.to_string();
        const SqlValue row[] = {id, address, host.hostname, host.ptr_name, text(to_string(host.state)),
                                text(to_string(host.reason)), optional_int(host.reason_ttl), to_us(host.start_time),
                                to_us(host.end_time), std::int64_t{host.complete ? 1 : 0}};
        auto ok = db.query("INSERT INTO host_results (scan_id, host, hostname, ptr_name, state, reason, "
                           "reason_ttl, started_us, ended_us, complete) "
                           "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                           row);
        EXPECT_TRUE(ok) << ok.error().message;
        const auto time = to_us(host.end_time != HistoryTime{} ? host.end_time : info.end_time);
        for (const auto& p : host.ports) {
            const SqlValue port[] = {id, time, address, text(to_string(p.proto)), std::int64_t{p.port},
                                     text(to_string(p.state)), text(to_string(p.reason)), optional_int(p.reason_ttl),
                                     p.reason_ip ? SqlValue(p.reason_ip->to_string()) : SqlValue(),
                                     optional_int(p.rtt_us)};
            auto inserted = db.query("INSERT INTO port_results (scan_id, time_us, host, proto, port, state, "
                                     "reason, ttl, responder, rtt_us) "
                                     "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                                     port);
            EXPECT_TRUE(inserted) << inserted.error().message;
        }
    }
    EXPECT_TRUE(db.exec_script("COMMIT"));
    return id;
}

// The version 1 queries' answers, as text rows (compared with the compact store's).
using Rows = std::vector<std::vector<std::string>>;

inline Rows run(SqlConnection& db, const std::string& sql, std::span<const SqlValue> params = {}) {
    auto rows = db.query(sql, params);
    EXPECT_TRUE(rows) << rows.error().message;
    Rows out;
    for (const auto& row : rows.value_or(std::vector<history::SqlRow>{})) {
        auto& r = out.emplace_back();
        for (const auto& cell : row) {
            r.push_back(cell.value_or("NULL"));
        }
    }
    return out;
}

inline Rows timeline(SqlConnection& db, const std::string& host, Proto proto, std::uint16_t port) {
    const SqlValue key[] = {host, text(to_string(proto)), std::int64_t{port}};
    return run(db,
               "SELECT scan_id, time_us, state, reason FROM port_results "
               "WHERE host = $1 AND proto = $2 AND port = $3 ORDER BY time_us, scan_id",
               key);
}

// host, proto, port, scan_id, time_us: the first opening of each port at or after `since`.
inline Rows newly_open(SqlConnection& db, std::int64_t since_us) {
    const SqlValue params[] = {since_us, text("open")};
    Rows rows = run(db,
                    "SELECT host, proto, port, scan_id, time_us FROM ("
                    "  SELECT host, proto, port, scan_id, time_us, state, LAG(state) OVER ("
                    "    PARTITION BY host, proto, port ORDER BY time_us, scan_id) AS previous"
                    "  FROM port_results) t "
                    "WHERE time_us >= $1 AND state = $2 "
                    "AND (previous IS NULL OR previous <> $2) ORDER BY time_us, scan_id",
                    params);
    const auto key = [](const std::vector<std::string>& r) {
        return std::tuple(*Address::parse(r[0]), *parse_proto(r[1]), std::stoi(r[2]));
    };
    std::ranges::stable_sort(rows, {}, key);
    auto [first, last] = std::ranges::unique(rows, {}, key);
    rows.erase(first, last);
    return rows;
}

// host, proto, port, changes: most changes first, then by port.
inline Rows flapping(SqlConnection& db, std::int64_t from_us, std::int64_t to_us, std::int64_t more_than) {
    const SqlValue params[] = {from_us, to_us, more_than};
    Rows rows = run(db,
                    "SELECT host, proto, port, COUNT(*) FROM ("
                    "  SELECT host, proto, port, state, LAG(state) OVER ("
                    "    PARTITION BY host, proto, port ORDER BY time_us, scan_id) AS previous"
                    "  FROM port_results WHERE time_us >= $1 AND time_us <= $2) t "
                    "WHERE previous <> state GROUP BY host, proto, port HAVING COUNT(*) > $3",
                    params);
    std::ranges::sort(rows, [](const auto& a, const auto& b) {
        return std::tuple(std::stoll(b[3]), *Address::parse(a[0]), *parse_proto(a[1]), std::stoi(a[2])) <
               std::tuple(std::stoll(a[3]), *Address::parse(b[0]), *parse_proto(b[1]), std::stoi(b[2]));
    });
    return rows;
}

}  // namespace portwarden::test::v1

#pragma once
// The stored form of a host's ports (schema 2): a port set per protocol (the ports scanned and
// their default, compact.hpp) and a row per port that differs from it or is open.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "history/compact.hpp"
#include "history/sql.hpp"

namespace portwarden::history {

struct PortSet {
    std::int64_t scan_id = 0;
    std::int64_t time_us = 0;
    Address host;
    Proto proto = Proto::tcp;
    std::vector<PortRange> ranges;
    std::optional<PortDefault> def;  // none: every port has a row
};

struct PortRow {
    std::int64_t scan_id = 0;
    std::int64_t time_us = 0;
    Address host;
    PortResult port;
};

// Stores one host's ports of one scan, every protocol (`ports` in any order); an error when a
// port is listed twice.
Result<void> write_ports(SqlConnection& db, std::int64_t scan_id, std::int64_t time_us,
                         const std::string& host, std::vector<PortResult> ports);

// The port sets and the port rows that match `where` (a condition on the table's columns,
// values as $N parameters), ordered by (time_us, scan_id).
Result<std::vector<PortSet>> read_port_sets(SqlConnection& db, std::string_view where,
                                            std::span<const SqlValue> params);
Result<std::vector<PortRow>> read_port_rows(SqlConnection& db, std::string_view where,
                                            std::span<const SqlValue> params);

// Sorts rows by (host, proto, scan_id, port), the order rows_of() needs.
void sort_rows(std::vector<PortRow>& rows);
// The rows of `set` among rows sorted by sort_rows().
std::span<const PortRow> rows_of(const PortSet& set, std::span<const PortRow> sorted_rows);

// Calls `each(const PortResult&)` for every port of `set` in order: its row among `rows` (the
// set's rows, sorted by port) when it has one, else its default.
template <class Each>
void for_each_port(const PortSet& set, std::span<const PortRow> rows, Each each) {
    std::size_t next = 0;
    for (const auto& range : set.ranges) {
        for (std::uint32_t p = range.first; p <= range.last; ++p) {
            const auto port = static_cast<std::uint16_t>(p);
            while (next < rows.size() && rows[next].port.port < port) {
                ++next;
            }
            if (next < rows.size() && rows[next].port.port == port) {
                each(rows[next].port);
            } else if (set.def) {
                each(expand_default(set.proto, port, *set.def));
            }
        }
    }
}

}  // namespace portwarden::history

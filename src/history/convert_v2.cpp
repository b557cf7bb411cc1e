// Migration 2's data step: every (scan, host) of a version 1 database gets its port sets, and
// only the rows that differ from their set's default (or are open) stay in port_results.
#include <string>

#include "history/port_sets.hpp"
#include "history/rows.hpp"

namespace portwarden::history {

Result<void> convert_to_compact(SqlConnection& db) {
    auto hosts = db.query("SELECT scan_id, host FROM host_results ORDER BY scan_id, host");
    if (!hosts) {
        return tl::unexpected(hosts.error());
    }
    for (const auto& host : *hosts) {
        auto scan_id = column_int(host, 0);
        if (!scan_id || !host.at(1)) {
            return fail("history: a host_results row without scan_id or host");
        }
        const SqlValue key[] = {*scan_id, *host[1]};
        auto rows = read_port_rows(db, "scan_id = $1 AND host = $2", key);
        if (!rows) {
            return tl::unexpected(rows.error());
        }
        if (rows->empty()) {
            continue;
        }
        if (auto ok = db.query("DELETE FROM port_results WHERE scan_id = $1 AND host = $2", key); !ok) {
            return tl::unexpected(ok.error());
        }
        std::vector<PortResult> ports;
        ports.reserve(rows->size());
        for (const auto& r : *rows) {
            ports.push_back(r.port);
        }
        if (auto ok = write_ports(db, *scan_id, rows->front().time_us, *host[1], std::move(ports)); !ok) {
            return ok;
        }
    }
    return {};
}

}  // namespace portwarden::history

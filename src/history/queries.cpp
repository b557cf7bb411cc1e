// A scan's ports, a port's timeline and a host's last seen ports, from port sets and rows.
#include "history/queries.hpp"

#include <algorithm>
#include <tuple>
#include <utility>

#include <fmt/format.h>

#include "history/port_sets.hpp"
#include "history/rows.hpp"

namespace portwarden::history {
namespace {

// last_seen() looks at this many of the host's newest scans of the technique at most.
constexpr std::int64_t last_seen_scans = 32;

}  // namespace

Result<void> load_ports(SqlConnection& db, std::int64_t scan_id, std::vector<HostResult>& hosts) {
    const SqlValue id[] = {scan_id};
    auto sets = read_port_sets(db, "scan_id = $1", id);
    auto rows = read_port_rows(db, "scan_id = $1", id);
    if (!sets || !rows) {
        return tl::unexpected(sets ? rows.error() : sets.error());
    }
    sort_rows(*rows);
    using Entry = std::pair<Address, PortResult>;
    std::vector<Entry> ports;
    for (const auto& set : *sets) {
        for_each_port(set, rows_of(set, *rows), [&](const PortResult& p) { ports.emplace_back(set.host, p); });
    }
    std::ranges::sort(ports, {}, [](const Entry& e) { return std::tie(e.first, e.second.proto, e.second.port); });
    auto port = ports.begin();
    for (auto& host : hosts) {
        for (; port != ports.end() && port->first < host.address; ++port) {
        }
        for (; port != ports.end() && port->first == host.address; ++port) {
            host.ports.push_back(port->second);
        }
    }
    return {};
}

Result<std::vector<PortObservation>> timeline(SqlConnection& db, const Address& host, Proto proto,
                                              std::uint16_t port) {
    const SqlValue key[] = {host.to_string(), text(to_string(proto)), std::int64_t{port}};
    auto sets = read_port_sets(db, "host = $1 AND proto = $2 AND first_port <= $3 AND last_port >= $3", key);
    auto rows = read_port_rows(db, "host = $1 AND proto = $2 AND port = $3", key);
    if (!sets || !rows) {
        return tl::unexpected(sets ? rows.error() : sets.error());
    }
    std::vector<PortObservation> out;
    for (const auto& r : *rows) {
        out.push_back({r.scan_id, from_us(r.time_us), r.port.state, r.port.reason});
    }
    for (const auto& set : *sets) {
        const bool has_row = std::ranges::any_of(*rows, [&](const PortRow& r) { return r.scan_id == set.scan_id; });
        if (set.def && !has_row && contains(set.ranges, port)) {
            out.push_back({set.scan_id, from_us(set.time_us), set.def->state, set.def->reason});
        }
    }
    std::ranges::sort(out, {}, [](const PortObservation& o) { return std::tuple(o.time, o.scan_id); });
    return out;
}

Result<std::vector<LastSeen>> last_seen(SqlConnection& db, const Address& host,
                                        std::span<const std::string> techniques) {
    const std::string address = host.to_string();
    if (techniques.empty()) {
        return std::vector<LastSeen>{};
    }
    std::vector<SqlValue> which{address};
    std::string names;  // $2, $3, ...
    for (const std::string& t : techniques) {
        which.emplace_back(t);
        names += fmt::format("{}${}", names.empty() ? "" : ", ", which.size());
    }
    which.emplace_back(last_seen_scans);
    auto scans = db.query(fmt::format("SELECT p.scan_id, MAX(p.time_us) FROM port_sets p JOIN scans s ON s.id = "
                                      "p.scan_id WHERE p.host = $1 AND s.technique IN ({}) GROUP BY p.scan_id "
                                      "ORDER BY 2 DESC, 1 DESC LIMIT ${}",
                                      names, which.size()),
                          which);
    if (!scans) {
        return tl::unexpected(scans.error());
    }
    std::vector<bool> seen(2 * 65536);
    std::vector<std::pair<Proto, std::vector<PortRange>>> expanded;  // the port sets walked so far
    std::vector<LastSeen> out;
    for (const auto& scan : *scans) {
        auto scan_id = column_int(scan, 0);
        if (!scan_id) {
            return tl::unexpected(scan_id.error());
        }
        const SqlValue key[] = {*scan_id, address};
        auto sets = read_port_sets(db, "scan_id = $1 AND host = $2", key);
        auto rows = read_port_rows(db, "scan_id = $1 AND host = $2", key);
        if (!sets || !rows) {
            return tl::unexpected(sets ? rows.error() : sets.error());
        }
        sort_rows(*rows);
        for (const auto& set : *sets) {
            // An older scan of the same ports (a nightly -p-) adds nothing: each was seen already.
            const auto same = [&](const auto& done) { return done.first == set.proto && done.second == set.ranges; };
            if (std::ranges::any_of(expanded, same)) {
                continue;
            }
            expanded.emplace_back(set.proto, set.ranges);
            for_each_port(set, rows_of(set, *rows), [&](const PortResult& p) {
                const std::size_t index = static_cast<std::size_t>(p.proto) * 65536 + p.port;
                if (!seen[index]) {
                    seen[index] = true;
                    out.push_back({p.proto, p.port, p.state, p.reason, *scan_id});
                }
            });
        }
    }
    const auto by_port = [](const LastSeen& s) { return std::tuple(s.proto, s.port); };
    if (!std::ranges::is_sorted(out, {}, by_port)) {  // one scan's sets give them in order
        std::ranges::sort(out, {}, by_port);
    }
    return out;
}

}  // namespace portwarden::history

#include "history/port_sets.hpp"

#include <algorithm>
#include <tuple>

#include "history/rows.hpp"

namespace portwarden::history {
namespace {

Result<void> write_port_set(SqlConnection& db, std::int64_t scan_id, std::int64_t time_us,
                            const std::string& host, std::span<const PortResult> ports) {
    const auto def = choose_default(ports);
    const SqlValue set[] = {scan_id,
                            time_us,
                            host,
                            text(to_string(ports.front().proto)),
                            format_ranges(ports),
                            std::int64_t{ports.front().port},
                            std::int64_t{ports.back().port},
                            def ? text(to_string(def->state)) : SqlValue(),
                            def ? text(to_string(def->reason)) : SqlValue(),
                            def ? optional_int(def->ttl) : SqlValue(),
                            def ? optional_address(def->responder) : SqlValue()};
    if (auto ok = db.query("INSERT INTO port_sets (scan_id, time_us, host, proto, ports, first_port, "
                           "last_port, state, reason, ttl, responder) "
                           "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                           set);
        !ok) {
        return tl::unexpected(ok.error());
    }
    for (const auto& p : ports) {
        if (covered_by_default(p, def)) {
            continue;
        }
        const SqlValue row[] = {scan_id, time_us, host, text(to_string(p.proto)), std::int64_t{p.port},
                                text(to_string(p.state)), text(to_string(p.reason)), optional_int(p.reason_ttl),
                                optional_address(p.reason_ip), optional_int(p.rtt_us)};
        if (auto ok = db.query("INSERT INTO port_results (scan_id, time_us, host, proto, port, state, "
                               "reason, ttl, responder, rtt_us) "
                               "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                               row);
            !ok) {
            return tl::unexpected(ok.error());
        }
    }
    return {};
}

}  // namespace

Result<void> write_ports(SqlConnection& db, std::int64_t scan_id, std::int64_t time_us, const std::string& host,
                         std::vector<PortResult> ports) {
    const auto key = [](const PortResult& p) { return std::tuple(p.proto, p.port); };
    if (!std::ranges::is_sorted(ports, {}, key)) {  // a scan's usually are (a -p- host: 65 535)
        std::ranges::sort(ports, {}, key);
    }
    if (std::ranges::adjacent_find(ports, {}, key) != ports.end()) {
        return fail("history: a port is listed twice for host " + host);
    }
    for (auto first = ports.begin(); first != ports.end();) {
        const auto last = std::find_if(first, ports.end(), [&](const PortResult& p) { return p.proto != first->proto; });
        if (auto ok = write_port_set(db, scan_id, time_us, host, std::span(first, last)); !ok) {
            return ok;
        }
        first = last;
    }
    return {};
}

namespace {
auto row_key(const PortRow& r) { return std::tie(r.host, r.port.proto, r.scan_id); }
}  // namespace

void sort_rows(std::vector<PortRow>& rows) {
    std::ranges::sort(rows, {}, [](const PortRow& r) { return std::tie(r.host, r.port.proto, r.scan_id, r.port.port); });
}

std::span<const PortRow> rows_of(const PortSet& set, std::span<const PortRow> sorted_rows) {
    const auto [first, last] = std::ranges::equal_range(sorted_rows, std::tie(set.host, set.proto, set.scan_id),
                                                        {}, row_key);
    return {first, last};
}

Result<std::vector<PortSet>> read_port_sets(SqlConnection& db, std::string_view where,
                                            std::span<const SqlValue> params) {
    auto rows = db.query(fmt::format("SELECT scan_id, time_us, host, proto, ports, state, reason, ttl, responder "
                                     "FROM port_sets WHERE {} ORDER BY time_us, scan_id",
                                     where),
                         params);
    return read_rows<PortSet>(rows, [](RowReader& in) {
        PortSet s;
        s.scan_id = in.integer();
        s.time_us = in.integer();
        s.host = in.address();
        s.proto = in.proto();
        if (auto ranges = parse_ranges(in.text())) {
            s.ranges = std::move(*ranges);
        } else {
            in.note(ranges.error().message);
        }
        if (in.null()) {
            return s;  // no default: the other columns are NULL too
        }
        PortDefault def;
        def.state = in.state();
        def.reason = in.reason();
        def.ttl = in.optional_int<std::uint8_t>();
        def.responder = in.optional_address();
        s.def = def;
        return s;
    });
}

Result<std::vector<PortRow>> read_port_rows(SqlConnection& db, std::string_view where,
                                            std::span<const SqlValue> params) {
    auto rows = db.query(fmt::format("SELECT scan_id, time_us, host, proto, port, state, reason, ttl, responder, "
                                     "rtt_us FROM port_results WHERE {} ORDER BY time_us, scan_id",
                                     where),
                         params);
    return read_rows<PortRow>(rows, [](RowReader& in) {
        PortRow r;
        r.scan_id = in.integer();
        r.time_us = in.integer();
        r.host = in.address();
        r.port.proto = in.proto();
        r.port.port = in.port();
        r.port.state = in.state();
        r.port.reason = in.reason();
        r.port.reason_ttl = in.optional_int<std::uint8_t>();
        r.port.reason_ip = in.optional_address();
        r.port.rtt_us = in.optional_int<std::uint32_t>();
        return r;
    });
}

}  // namespace portwarden::history

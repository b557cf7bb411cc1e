// -sV's findings in the history (schema 4): one port_services row per probed port of a scan.
#include <algorithm>
#include <tuple>

#include "history/queries.hpp"
#include "history/rows.hpp"

namespace portwarden {

std::string ServiceRecord::label() const {
    std::string out = product;
    if (!version.empty()) {
        out += (out.empty() ? "" : " ") + version;
    }
    return out.empty() ? (name.empty() ? std::string("unrecognised") : name) : out;
}

namespace history {
namespace {

constexpr std::string_view kColumns = "scan_id, time_us, host, proto, port, name, product, version, extrainfo, tunnel";

ServiceObservation read_observation(RowReader& in) {
    ServiceObservation o;
    o.scan_id = in.integer();
    o.time = from_us(in.integer());
    o.service.host = in.address();
    o.service.proto = in.proto();
    o.service.port = in.port();
    o.service.name = in.text();
    o.service.product = in.text();
    o.service.version = in.text();
    o.service.extrainfo = in.text();
    o.service.tunnel = in.text();
    return o;
}

bool same_service(const ServiceRecord& a, const ServiceRecord& b) {
    return std::tie(a.name, a.product, a.version, a.extrainfo, a.tunnel) ==
           std::tie(b.name, b.product, b.version, b.extrainfo, b.tunnel);
}

}  // namespace

Result<void> add_services(SqlConnection& db, std::int64_t scan_id, std::span<const ServiceRecord> services) {
    // Each port is stamped with its host's end time, as its port rows are.
    const std::string sql = fmt::format(
        "INSERT INTO port_services ({}) SELECT $1, ended_us, host, $3, $4, $5, $6, $7, $8, $9 FROM host_results "
        "WHERE scan_id = $1 AND host = $2",
        kColumns);
    for (const ServiceRecord& s : services) {
        const SqlValue row[] = {scan_id,   s.host.to_string(), text(to_string(s.proto)), std::int64_t{s.port},
                                s.name,    s.product,          s.version,                s.extrainfo,
                                s.tunnel};
        if (auto ok = db.query(sql, row); !ok) {
            return tl::unexpected(ok.error());
        }
    }
    return {};
}

Result<std::vector<ServiceObservation>> service_timeline(SqlConnection& db, const Address& host, Proto proto,
                                                         std::uint16_t port) {
    const SqlValue key[] = {host.to_string(), text(to_string(proto)), std::int64_t{port}};
    return read_rows<ServiceObservation>(
        db.query(fmt::format("SELECT {} FROM port_services WHERE host = $1 AND proto = $2 AND port = $3 "
                             "ORDER BY time_us, scan_id",
                             kColumns),
                 key),
        read_observation);
}

Result<std::vector<ServiceChange>> service_changes(SqlConnection& db, HistoryTime since) {
    auto rows = read_rows<ServiceObservation>(
        db.query(fmt::format("SELECT {} FROM port_services ORDER BY host, proto, port, time_us, scan_id", kColumns)),
        read_observation);
    if (!rows) {
        return tl::unexpected(rows.error());
    }
    std::vector<ServiceChange> out;
    for (std::size_t i = 1; i < rows->size(); ++i) {
        const ServiceObservation& before = (*rows)[i - 1];
        const ServiceObservation& after = (*rows)[i];
        const bool same_port = before.service.host == after.service.host && before.service.proto == after.service.proto &&
                               before.service.port == after.service.port;
        if (same_port && after.time >= since && !same_service(before.service, after.service)) {
            out.push_back({before, after});
        }
    }
    return out;
}

}  // namespace history
}  // namespace portwarden

#pragma once
// The HistoryStore queries that expand port sets (schema 2) back into per-port observations;
// store.cpp's SqlHistoryStore calls them. Each gives what a row per port would have given.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "history/sql.hpp"
#include "portwarden/history.hpp"

namespace portwarden::history {

// Fills in the ports of `hosts` (the hosts of scan `scan_id`, sorted by address).
Result<void> load_ports(SqlConnection& db, std::int64_t scan_id, std::vector<HostResult>& hosts);
Result<std::vector<PortObservation>> timeline(SqlConnection& db, const Address& host, Proto proto,
                                              std::uint16_t port);
Result<std::vector<LastSeen>> last_seen(SqlConnection& db, const Address& host,
                                        std::span<const std::string> techniques);
Result<std::vector<PortChange>> newly_open(SqlConnection& db, HistoryTime since);
Result<std::vector<PortChange>> flapping(SqlConnection& db, HistoryTime from, HistoryTime to,
                                         std::int64_t more_than);

// Audits (audits.cpp). record_audit() runs inside the caller's transaction.
Result<std::int64_t> record_audit(SqlConnection& db, const AuditRecord& audit);
Result<std::vector<AuditRecord>> list_audits(SqlConnection& db);
Result<std::vector<AuditFindingRecord>> audit_findings(SqlConnection& db, std::int64_t audit_id);

// -sV's findings (services.cpp). add_services() runs inside the caller's transaction.
Result<void> add_services(SqlConnection& db, std::int64_t scan_id, std::span<const ServiceRecord> services);
Result<std::vector<ServiceObservation>> service_timeline(SqlConnection& db, const Address& host, Proto proto,
                                                         std::uint16_t port);
Result<std::vector<ServiceChange>> service_changes(SqlConnection& db, HistoryTime since);

// Shards of named scans (shards.cpp). replace_shard() and insert_shard() run inside the
// caller's transaction: the first deletes an earlier run of the same shard unless this one is
// resumed (refusing another shard count either way), the second tags the new scan row.
Result<void> replace_shard(SqlConnection& db, const ShardTag& tag);
Result<void> insert_shard(SqlConnection& db, std::int64_t scan_id, const ShardTag& tag);
Result<void> finish_shard(SqlConnection& db, std::int64_t scan_id, bool finished);
Result<std::vector<NamedScan>> list_named_scans(SqlConnection& db);
Result<NamedScan> named_scan(SqlConnection& db, std::string_view name);

}  // namespace portwarden::history

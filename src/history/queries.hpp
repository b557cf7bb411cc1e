#pragma once
// The HistoryStore queries that expand port sets (schema 2) back into per-port observations;
// store.cpp's SqlHistoryStore calls them. Each gives what a row per port would have given.
#include <cstdint>
#include <string_view>
#include <vector>

#include "history/sql.hpp"
#include "portwarden/history.hpp"

namespace portwarden::history {

// Fills in the ports of `hosts` (the hosts of scan `scan_id`, sorted by address).
Result<void> load_ports(SqlConnection& db, std::int64_t scan_id, std::vector<HostResult>& hosts);
Result<std::vector<PortObservation>> timeline(SqlConnection& db, const Address& host, Proto proto,
                                              std::uint16_t port);
Result<std::vector<LastSeen>> last_seen(SqlConnection& db, const Address& host, std::string_view technique);
Result<std::vector<PortChange>> newly_open(SqlConnection& db, HistoryTime since);
Result<std::vector<PortChange>> flapping(SqlConnection& db, HistoryTime from, HistoryTime to,
                                         std::int64_t more_than);

// Audits (audits.cpp). record_audit() runs inside the caller's transaction.
Result<std::int64_t> record_audit(SqlConnection& db, const AuditRecord& audit);
Result<std::vector<AuditRecord>> list_audits(SqlConnection& db);
Result<std::vector<AuditFindingRecord>> audit_findings(SqlConnection& db, std::int64_t audit_id);

}  // namespace portwarden::history

#pragma once
// An audit's verdict and findings go into the history next to its scan (or, for `audit --from
// FILE`, into the history --db names, the default one without it). A failure to store is one
// warning line on stderr and never changes the exit code.
#include <cstdint>
#include <optional>
#include <string>

#include "portwarden/audit.hpp"
#include "portwarden/history.hpp"

namespace portwarden::cli {

AuditRecord audit_record(const audit::Policy& policy, const audit::Evaluation& evaluation,
                         std::optional<std::int64_t> scan_id);
// Stores `record` in the history at `url`.
void store_audit(const std::string& url, const AuditRecord& record);
// Stores `record` in a store already open (the audit's scan's: see ScanHooks::recorded).
void store_audit(HistoryStore& store, const AuditRecord& record);

}  // namespace portwarden::cli

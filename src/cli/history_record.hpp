#pragma once
// Every scan goes into the history database (issue #5): SQLite under the user's data directory
// by default, `--db PATH` or `--db postgresql://...`, none with `--no-history`. The store is
// opened before the scan (a raw scan drops its privileges once its sockets are open), the
// finished hosts are collected as they come, and the scan is recorded in one transaction at
// the end — interrupted scans too, with their incomplete hosts flagged. A history that cannot
// be opened or written costs a one-line warning, never the scan or its output.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "portwarden/history.hpp"
#include "portwarden/scan.hpp"

namespace portwarden::cli {

class ScanRecorder {
public:
    // `db`: the --db value (empty: the default database). Disabled: records nothing.
    static ScanRecorder open(const std::string& db, bool disabled);

    void add(const HostResult& host);
    // Records the scan (`technique`: ScanInfo::technique); with `verbose`, says where on
    // stderr. Returns the new scan's id, or nothing when no history is kept or writing failed.
    std::optional<std::int64_t> finish(const ScanSummary& summary, const std::string& command_line,
                                       const std::string& technique, bool verbose);
    // Drift confirmation (ScanRequest::previous): each host's ports of `proto` as the last scan
    // of `technique` saw them. Unset when no history is kept.
    std::function<std::vector<PreviousPort>(const Address&)> previous_states(Proto proto, std::string technique);
    // The database's URL (a path or postgresql://...), empty when no history is kept.
    const std::string& url() const { return url_; }
    HistoryStore* store() { return store_.get(); }

private:
    std::unique_ptr<HistoryStore> store_;
    std::string where_;
    std::string url_;
    std::vector<HostResult> hosts_;
};

}  // namespace portwarden::cli

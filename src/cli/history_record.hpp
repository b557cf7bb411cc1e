#pragma once
// Every scan goes into the history database (issue #5): SQLite under the user's data directory
// by default, `--db PATH` or `--db postgresql://...`, none with `--no-history`. The store is
// opened before the scan (a raw scan drops its privileges once its sockets are open), the
// finished hosts are collected as they come, and the scan is recorded in one transaction at
// the end — interrupted scans too, with their incomplete hosts flagged. A history that cannot
// be opened or written costs a one-line warning, never the scan or its output.
#include <memory>
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
    // Records the scan; with `verbose`, says where on stderr.
    void finish(const ScanSummary& summary, const std::string& command_line, bool verbose);

private:
    std::unique_ptr<HistoryStore> store_;
    std::string where_;
    std::vector<HostResult> hosts_;
};

}  // namespace portwarden::cli

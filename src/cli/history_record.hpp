#pragma once
// Every scan goes into the history database (issue #5): SQLite under the user's data directory
// by default, `--db PATH` or `--db postgresql://...`, none with `--no-history`. The store is
// opened before the scan (a raw scan drops its privileges once its sockets are open); the scan
// row is written when the first host finishes, and finished hosts are appended in batches as
// they come (memory stays flat however many hosts the scan has); the end sets its times —
// interrupted scans too, with their incomplete hosts flagged. A history that cannot be opened
// or written costs a one-line warning, never the scan or its output.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "portwarden/history.hpp"
#include "portwarden/ports.hpp"
#include "portwarden/scan.hpp"
#include "portwarden/version.hpp"

namespace portwarden::cli {

// The history database to use: `db` (the --db value), else the user's default. Nothing, with
// the one-line warning "portwarden: warning: WARNING: why", when there is no default (no HOME).
std::optional<std::string> history_url(const std::string& db, std::string_view warning);

// The recorded techniques (ScanInfo::technique) whose `proto` ports were probed as a scan
// recorded as `technique` probes them: for TCP, the same TCP type alone or with -sU ("syn":
// "syn", "syn+udp"); for UDP, every scan with -sU ("udp", "syn+udp", "connect+udp", ...). A
// --scanflags suffix ("/flags=0x29") must match for TCP; for UDP only this scan's own name
// carries one.
std::vector<std::string> alike_techniques(std::string_view technique, Proto proto);

class ScanRecorder {
public:
    // `db`: the --db value (empty: the default database). Disabled: records nothing.
    // `command_line`, `technique`: ScanInfo's.
    static ScanRecorder open(const std::string& db, bool disabled, const std::string& command_line,
                             const std::string& technique);

    // Records the scan as shard tag.index of the named scan tag.scan_name (before add()).
    void set_shard(ShardTag tag) { info_.shard = std::move(tag); }
    void add(const HostResult& host);
    // -sV's findings, stored by finish() with the hosts (history schema 4).
    void set_services(std::shared_ptr<const ServiceFindings> services) { services_ = std::move(services); }
    // Ends the scan's record; with `verbose`, says where on stderr. Returns the scan's id, or
    // nothing when no history is kept or writing failed.
    std::optional<std::int64_t> finish(const ScanSummary& summary, bool verbose);
    // Drift confirmation (ScanRequest::previous): each host's ports of the `scanned` protocols,
    // each as the history last saw it probed the way this scan probes it (alike_techniques).
    // Unset when no history is kept.
    std::function<std::vector<PreviousPort>(const Address&)> previous_states(PortProtocols scanned);
    // The database's URL (a path or postgresql://...), empty when no history is kept.
    const std::string& url() const { return url_; }
    // The open store, null when no history is kept (or writing it failed).
    HistoryStore* store() const { return store_.get(); }

private:
    bool flush();
    void give_up(const std::string& why);

    std::unique_ptr<HistoryStore> store_;
    std::string where_;
    std::string url_;
    ScanInfo info_;
    std::optional<std::int64_t> id_;
    std::vector<HostResult> batch_;
    std::size_t batch_ports_ = 0;
    std::shared_ptr<const ServiceFindings> services_;
};

}  // namespace portwarden::cli

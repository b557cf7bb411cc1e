#pragma once
// Scan history: every recorded scan and its results, behind one storage interface with two
// backends — SQLite (a file, the default) and PostgreSQL (libpq). See README "History".
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "portwarden/address.hpp"
#include "portwarden/error.hpp"
#include "portwarden/results.hpp"
#include "portwarden/state.hpp"

namespace portwarden {

using HistoryTime = std::chrono::system_clock::time_point;

// One shard of a logical scan run as N processes (`scan --scan-id NAME --shard I/N`): every
// shard is stored as its own scan row, tagged with the name; a shard recorded again (a retried
// array task) replaces its earlier rows, a resumed one (`--resume`) adds to them.
struct ShardTag {
    std::string scan_name;
    std::uint32_t index = 0;
    std::uint32_t count = 1;
    // The shard goes on from an interrupted run of itself (scan --resume): that run's rows hold
    // the ports this one skips, so they are kept.
    bool resumed = false;
};

// What is recorded about a scan besides its results.
struct ScanInfo {
    HistoryTime start_time;
    HistoryTime end_time;
    std::string command_line;
    std::string engine;  // ScanSummary::engine: "connect", "raw (eth0, ...)"
    // The scan type as to_string(Technique) spells it ("syn", "ack", "udp", "connect", ...);
    // "ping" for -sn, empty when unknown (an imported file). States are only comparable
    // between scans of one technique: last_seen() matches on it.
    std::string technique;
    std::optional<ShardTag> shard{};  // set for a shard of a named scan (begin_scan)
    // end_scan: the shard ran to its end (not interrupted, no error); only finished shards
    // make a named scan complete.
    bool finished = true;
};

// A logical scan recorded by shards (named_scan(), list_named_scans()).
struct NamedScan {
    std::string name;
    std::uint32_t shard_count = 0;
    std::vector<std::int64_t> scan_ids;   // every recorded shard's scan row, by shard index
                                          // (a resumed shard: its interrupted run's, then its own)
    std::vector<std::uint32_t> shard_indices;  // the shard index of each of scan_ids
    std::vector<std::uint32_t> missing;   // shard indices none of whose runs finished
    HistoryTime start_time;               // of the earliest shard
    HistoryTime end_time;                 // of the latest shard
    std::string technique;
    bool complete() const { return missing.empty(); }
};

// The latest recorded observation of one port of a host (see last_seen()).
struct LastSeen {
    Proto proto = Proto::tcp;
    std::uint16_t port = 0;
    PortState state = PortState::filtered;
    Reason reason = Reason::unknown;
    std::int64_t scan_id = 0;
};

// A recorded scan, as list_scans() returns it (oldest first).
struct ScanRecord {
    std::int64_t id = 0;
    ScanInfo info;
    std::int64_t hosts = 0;       // hosts recorded
    std::int64_t open_ports = 0;  // ports recorded as open
};

// One observation of a port: which scan saw it in which state, when.
struct PortObservation {
    std::int64_t scan_id = 0;
    HistoryTime time;
    PortState state = PortState::filtered;
    Reason reason = Reason::unknown;
};

// A port of a host, and what history says about it.
struct PortChange {
    Address host;
    Proto proto = Proto::tcp;
    std::uint16_t port = 0;
    std::int64_t scan_id = 0;  // newly_open(): the scan that first saw it open
    HistoryTime time;          // newly_open(): when
    std::int64_t changes = 0;  // flapping(): state changes in the window
};

// One finding of a stored audit: audit::Finding, flattened.
struct AuditFindingRecord {
    std::string rule_id;             // "PW001" (audit::rule_id)
    std::string group;               // the policy group
    std::string host;                // address (or the name when never resolved)
    std::optional<Proto> proto;      // unset for host-level findings
    std::uint16_t port = 0;
    std::optional<PortState> state;  // the port's state, when scanned
    std::string message;             // one line
    std::string rule;                // "allow 22/tcp", "unlisted ports", "host"
    std::uint32_t policy_line = 0;   // the policy line of that rule
};

// A stored audit. record_audit() stores every field but id and finding_count; list_audits()
// fills every field but findings (audit_findings(id) reads those).
struct AuditRecord {
    std::int64_t id = 0;
    std::optional<std::int64_t> scan_id;  // the audit's scan (`audit`, `audit --from @12`)
    std::optional<std::string> scan_name;  // `audit --from @NAME`: the named scan, shards merged
                                           // (neither: `audit --from FILE`)
    HistoryTime time;
    std::string policy;                   // the policy file, as given
    std::string verdict;                  // "compliant", "violations" or "inconclusive"
    std::int64_t finding_count = 0;
    std::vector<AuditFindingRecord> findings;
};

// What -sV found on a port, as the history keeps it (schema 4).
struct ServiceRecord {
    Address host;
    Proto proto = Proto::tcp;
    std::uint16_t port = 0;
    std::string name;       // "ssh"; empty: answered, but no probe recognised it
    std::string product;    // "OpenSSH"
    std::string version;    // "9.2p1 Debian 2+deb12u3"
    std::string extrainfo;  // "protocol 2.0"
    std::string tunnel;     // "ssl"
    // "OpenSSH 9.2p1 Debian 2+deb12u3", the product and version (the name when neither).
    std::string label() const;
};

// One -sV observation of a port: which scan saw which service, when.
struct ServiceObservation {
    std::int64_t scan_id = 0;
    HistoryTime time;
    ServiceRecord service;
};

// A port whose service (name, product, version, extrainfo or tunnel) differs between two
// consecutive -sV observations.
struct ServiceChange {
    ServiceObservation before;
    ServiceObservation after;
};

class HistoryStore {
public:
    virtual ~HistoryStore() = default;

    // Records a scan and its results in one transaction (all or nothing); returns its id.
    // Each port is stamped with its host's end_time (the scan's end_time if unset).
    virtual Result<std::int64_t> record_scan(const ScanInfo& info,
                                             std::span<const HostResult> hosts) = 0;
    // With info.shard set, begin_scan() first deletes the rows an earlier run of the same shard
    // (name, index) left (all in one transaction) unless the shard is resumed (then they stay,
    // and the named scan holds both runs), and refuses a shard count that differs from the one
    // the name was recorded with.
    // Streaming, for scans too big to hold in memory: begin_scan() stores the scan (its end
    // time = its start until end_scan()), add_hosts() appends hosts (one transaction per call),
    // end_scan() sets its times and engine from `info`. Readers see the hosts added so far; a
    // scan whose process died keeps what was added.
    virtual Result<std::int64_t> begin_scan(const ScanInfo& info) = 0;
    virtual Result<void> add_hosts(std::int64_t scan_id, const ScanInfo& info,
                                   std::span<const HostResult> hosts) = 0;
    virtual Result<void> end_scan(std::int64_t scan_id, const ScanInfo& info) = 0;
    virtual Result<std::vector<ScanRecord>> list_scans() = 0;
    // The named scans (ScanInfo::shard), oldest first; named_scan() one of them (error if the
    // name was never recorded). Their hosts: load_scan() of each of scan_ids, merged.
    virtual Result<std::vector<NamedScan>> list_named_scans() = 0;
    virtual Result<NamedScan> named_scan(std::string_view name) = 0;
    // The hosts of a scan, sorted by address, ports by (proto, port). Error if no such scan.
    virtual Result<std::vector<HostResult>> load_scan(std::int64_t scan_id) = 0;
    // Every observation of host:port/proto, oldest first.
    virtual Result<std::vector<PortObservation>> timeline(const Address& host, Proto proto,
                                                          std::uint16_t port) = 0;
    // Ports that became open at or after `since`: an open observation whose previous
    // observation of that port (if any) was not open. One entry per port (the first such).
    virtual Result<std::vector<PortChange>> newly_open(HistoryTime since) = 0;
    // Ports whose state changed more than `more_than` times between observations made in
    // [from, to]; most changes first.
    virtual Result<std::vector<PortChange>> flapping(HistoryTime from, HistoryTime to,
                                                     std::int64_t more_than) = 0;
    // The latest observation of every port of `host` recorded by a scan of one of
    // `techniques` (ScanInfo::technique, matched exactly), sorted by (proto, port): what drift
    // is judged against (a changed port is re-probed). The host's newest such scan (by the
    // host's end time, then id) gives every port it scanned; ports it did not scan come from
    // the next older one that did, and so on, looking at the newest 32 such scans at most. A
    // port that was scanned counts whatever its state (also when it was one of the many
    // closed or filtered ports).
    virtual Result<std::vector<LastSeen>> last_seen(const Address& host,
                                                    std::span<const std::string> techniques) = 0;
    Result<std::vector<LastSeen>> last_seen(const Address& host, std::string_view technique) {
        const std::string one(technique);
        return last_seen(host, std::span<const std::string>(&one, 1));
    }
    // Stores what -sV found on ports of scan `scan_id` (whose hosts were added before), in one
    // transaction.
    virtual Result<void> add_services(std::int64_t scan_id, std::span<const ServiceRecord> services) = 0;
    // Every -sV observation of host:port/proto, oldest first.
    virtual Result<std::vector<ServiceObservation>> service_timeline(const Address& host, Proto proto,
                                                                     std::uint16_t port) = 0;
    // Service changes observed at or after `since`, by (host, proto, port), then time.
    virtual Result<std::vector<ServiceChange>> service_changes(HistoryTime since) = 0;
    // Stores an audit and its findings in one transaction; returns its id.
    virtual Result<std::int64_t> record_audit(const AuditRecord& audit) = 0;
    // Every stored audit, oldest first, with finding_count and without findings.
    virtual Result<std::vector<AuditRecord>> list_audits() = 0;
    // The findings of one audit, in the order they were recorded. Error if no such audit.
    virtual Result<std::vector<AuditFindingRecord>> audit_findings(std::int64_t audit_id) = 0;
    // The schema version of the opened database (after migrating it).
    virtual int schema_version() const = 0;
};

// The newest schema this build knows; older databases are migrated when opened, newer ones
// are refused.
int history_schema_version();

// Opens (creating and migrating if needed) the store named by `url`:
//   "postgresql://..." or "postgres://..."  PostgreSQL, a libpq connection URI
//   "sqlite:PATH" or a plain PATH           SQLite file (its directory is created)
Result<std::unique_ptr<HistoryStore>> open_history(std::string_view url);

// What a history URL names (open_history's first step, no I/O): PostgreSQL (`path` is the
// whole URL) or a SQLite file (`path` without "sqlite:"). Error for an empty SQLite path.
struct HistoryLocation {
    bool postgres = false;
    std::string path;
};
Result<HistoryLocation> parse_history_url(std::string_view url);

// The default SQLite database: $XDG_DATA_HOME/portwarden/history.db, else
// $HOME/.local/share/portwarden/history.db. Error when neither variable is set (absolute).
Result<std::filesystem::path> default_history_path();
Result<std::filesystem::path> default_history_path(std::string_view xdg_data_home,
                                                   std::string_view home);

}  // namespace portwarden

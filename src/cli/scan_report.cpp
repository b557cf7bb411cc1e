// What `scan` prints besides the writers' output (-v statistics, drift), and -sL.
#include <fmt/format.h>

#include "cli/cli11_parse.hpp"
#include "cli/nmap_habits.hpp"
#include "cli/scan_args.hpp"
#include "portwarden/merge.hpp"

namespace portwarden::cli {

void print_raw_stats(const ScanSummary& s) {
    std::string limited;
    for (const auto& a : s.rate_limited) {
        limited += (limited.empty() ? "" : ",") + a.to_string();
    }
    fmt::print(stderr,
               "portwarden: {}: probes sent {} ({} retransmissions), replies matched {}, unmatched {}, ring drops {}; "
               "ICMP rate limit detected on: {}\n",
               s.engine, s.probes_sent, s.retransmissions, s.replies_matched, s.replies_unmatched, s.ring_drops,
               limited.empty() ? "none" : limited);
    const auto& r = s.rejected;
    fmt::print(stderr,
               "portwarden: {}: replies rejected: malformed {}, bad checksum {}, unknown probe (cookie, ports or "
               "address) {}, not sent by this scan {}, late or duplicate {}\n",
               s.engine, r.malformed, r.bad_checksum, r.unknown_probe, r.not_sent, r.late);
}

void print_drift(const ScanSummary& s) {
    if (s.drift_reprobed > 0) {
        fmt::print(stderr,
                   "portwarden: {} port(s) differed from the history and were probed again: {} confirmed, {} back "
                   "in their recorded state (the first answer was lost), {} unconfirmed\n",
                   s.drift_reprobed, s.drift_confirmed, s.drift_reverted,
                   s.drift_reprobed - s.drift_confirmed - s.drift_reverted);
    }
}

int list_scan(ScanArgs& a, const TargetSet& targets, const std::string& command_line, const ScanHooks& hooks,
              const ServiceLookup& services) {
    a.outputs.stdout_report = hooks.stdout_report;
    auto outputs = OutputSet::open(a.outputs);
    if (!outputs) {
        return bad_input(outputs.error().message);
    }
    output::RunInfo info;
    info.args = command_line;
    info.version = PW_VERSION;
    info.ping_only = true;
    info.start_time = std::chrono::system_clock::now();
    info.services = services;
    info.verbosity = a.outputs.verbosity;
    info.debugging = a.debug;
    // -R looks the names up, as nmap's -sL does by default; -n wins over -R.
    BulkReverseLookup rdns;
    return list_targets(targets, *outputs, info, a.reverse_dns && !a.no_dns ? &rdns : nullptr) ? exit_ok : 1;
}

}  // namespace portwarden::cli

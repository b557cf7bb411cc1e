#pragma once
// nmap options that change what the scan command reports rather than what it sends:
// -sL (list the targets, send nothing), --stats-every (a status line every interval, also
// when stderr is no terminal), --min-hostgroup/--max-hostgroup values.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include "cli/output_files.hpp"
#include "portwarden/error.hpp"
#include "portwarden/scan.hpp"
#include "portwarden/targets.hpp"

namespace portwarden::cli {

// -sL: every target as a host of unknown state (reason user-set, as nmap's list scan), in
// the order given, to every output; no packet. With `rdns` (-R) each one's PTR name, looked up
// 1024 addresses at a time before they are written; else no DNS. Returns what OutputSet::end returns.
bool list_targets(const TargetSet& targets, OutputSet& outputs, const output::RunInfo& info,
                  BulkReverseLookup* rdns = nullptr);

// --min-hostgroup / --max-hostgroup N: 1 to 1048576. Error names the flag.
Result<std::uint64_t> parse_host_group(std::string_view flag, const std::string& text);

// -e IFACE, -S ADDR, -g PORT, --ttl N as given (empty: not given). Errors name the flag.
Result<RawSourceOptions> parse_raw_source(const std::string& interface, const std::string& source_address,
                                          const std::string& source_port, const std::string& ttl);

// --stats-every TIME: nmap's periodic "Stats: 0:00:05 elapsed; ..." line on stderr, fed by
// the scan's progress callback (about every 250 ms). A zero interval prints nothing.
class StatsEvery {
public:
    StatsEvery(std::FILE* out, std::chrono::microseconds interval)
        : out_(out), interval_(interval), next_(interval) {}
    void update(const ScanProgress& progress);

private:
    std::FILE* out_;
    std::chrono::microseconds interval_;
    std::chrono::steady_clock::duration next_{};
};

}  // namespace portwarden::cli

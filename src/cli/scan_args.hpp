#pragma once
// The arguments of `scan` (and `discover`, `audit`'s scan): the flags, and the pieces of the
// ScanRequest built from them. scan_command.cpp puts them together.
#include <chrono>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/discovery_args.hpp"
#include "cli/output_files.hpp"
#include "cli/scan_checks.hpp"
#include "cli/version_args.hpp"
#include "portwarden/error.hpp"
#include "portwarden/ports.hpp"
#include "portwarden/scan.hpp"
#include "portwarden/services.hpp"
#include "portwarden/targets.hpp"

namespace portwarden::cli {

struct ScanArgs {
    std::vector<std::string> techniques;  // none: SYN when raw sockets are permitted, else connect
    std::string scan_flags;  // --scanflags (raw TCP scans; replies read as -sS unless -s says)
    bool scan_flags_given = false;
    std::string ports;
    bool ports_given = false;       // -p given (even empty)
    bool other_protocol_ports = false;  // ScanHooks::other_protocol_ports
    std::string top_ports;
    std::vector<std::string> targets;
    std::string input_list;
    std::vector<std::string> exclude;
    std::string exclude_file;
    std::string exclude_ports;
    bool skip_discovery = false;
    DiscoveryArgs discovery;  // -sn, -P*, --traceroute
    VersionArgs version;      // -sV
    bool no_dns = false;
    bool reverse_dns = false;
    bool ipv6 = false;
    bool sequential = false;
    bool quiet = false;
    std::string timing_level;
    std::string max_retries;
    std::string min_rtt;
    std::string max_rtt;
    std::string initial_rtt;
    std::string host_timeout;
    std::string scan_delay;
    std::string max_rate;
    std::string min_rate;
    int max_parallelism = 0;
    std::string seed;
    std::string shard;
    std::string scan_id;  // --scan-id: the logical scan this shard belongs to
    std::string resume;
    std::string resume_file = "portwarden.resume";
    std::string db;           // --db: the history database (empty: the user's default)
    bool no_history = false;  // --no-history
    bool no_reprobe = false;  // --no-reprobe
    bool list_only = false;   // -sL
    int debug = 0;            // -d, -dd, -d2
    std::string stats_every;  // --stats-every TIME
    std::string min_hostgroup;
    std::string max_hostgroup;
    std::string interface;       // -e
    std::string source_address;  // -S
    std::string source_port;     // -g, --source-port
    std::string ttl;             // --ttl
    bool packet_trace = false;   // --packet-trace
    bool no_responder_analysis = false;  // --no-responder-analysis
    OutputArgs outputs;
};

// scan_flags.cpp: every flag of `scan` (nmap's short forms are translated before, nmap_args).
void define_flags(CLI::App& app, ScanArgs& a);

// scan_build.cpp: the flags into the request's parts. Errors are bad input.
Result<void> apply_duration(const std::string& flag, const std::string& text, std::chrono::microseconds& field);
Result<Timing> build_timing(const ScanArgs& a);
Result<TargetSet> build_targets(const ScanArgs& a);
Result<PortList> build_ports(const ScanArgs& a, const ScanTypes& types, const ServiceLookup& services);
// --min/--max-hostgroup, -S -e -g --ttl into the request.
Result<void> apply_habits(const ScanArgs& a, ScanRequest& request);

// scan_report.cpp: what the command prints besides the writers' output.
void print_raw_stats(const ScanSummary& s);
void print_drift(const ScanSummary& s);
// -sL: the targets to every output; nothing is sent, nothing stored.
int list_scan(ScanArgs& a, const TargetSet& targets, const std::string& command_line, const ScanHooks& hooks,
              const ServiceLookup& services);

}  // namespace portwarden::cli

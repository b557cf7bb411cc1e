#pragma once
// Running a scan through the library: targets x ports -> HostResult per host, as hosts complete.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "portwarden/classify.hpp"
#include "portwarden/error.hpp"
#include "portwarden/ports.hpp"
#include "portwarden/results.hpp"
#include "portwarden/targets.hpp"

namespace portwarden {

// Timing knobs, nmap's names and meanings (refguide "Timing and Performance").
struct Timing {
    std::chrono::microseconds initial_rtt_timeout{std::chrono::milliseconds(1000)};
    std::chrono::microseconds min_rtt_timeout{std::chrono::milliseconds(100)};
    std::chrono::microseconds max_rtt_timeout{std::chrono::milliseconds(10000)};
    int max_retries = 10;            // upper cap; retries adapt to what the host needed
    int max_parallelism = 0;         // probes in flight at once; 0 = as many as file descriptors allow
    std::chrono::microseconds scan_delay{0};
    std::chrono::microseconds host_timeout{0};  // 0 = none
    double max_rate = 0;             // probes per second, 0 = unlimited
    double min_rate = 0;             // raw engine: send at least this many probes per second
    // -T0 .. -T5 (3 is the default).
    static Timing from_template(int level);
};

struct ScanProgress {
    std::uint64_t probes_total = 0;  // (host, port) pairs
    std::uint64_t probes_done = 0;   // settled pairs
    std::uint64_t open_found = 0;
    std::uint64_t hosts_done = 0;
    std::chrono::steady_clock::duration elapsed{};
};

// Where an interrupted raw scan stopped: every (host, port) cell of host groups before `group`,
// and of `group` at permutation positions before `position`, is settled and was reported.
struct ResumePoint {
    std::uint64_t group = 0;
    std::uint64_t position = 0;
    friend bool operator==(const ResumePoint&, const ResumePoint&) = default;
};

struct ScanSummary {
    std::uint64_t hosts_total = 0;
    std::uint64_t hosts_up = 0;
    std::uint64_t hosts_done = 0;
    std::uint64_t probes_sent = 0;       // including retransmissions
    std::uint64_t retransmissions = 0;
    std::uint64_t ports_settled = 0;
    std::uint64_t replies_matched = 0;    // raw engine: replies validated as answers to our probes
    std::uint64_t replies_unmatched = 0;  // raw engine: captured frames answering nothing of ours
    std::uint64_t ring_drops = 0;         // raw engine: frames the kernel dropped (ring full)
    std::vector<Address> rate_limited;    // hosts whose ICMP rate limit paced the scan
    // Drift confirmation (ScanRequest::previous): ports probed again because their state
    // differed from the recorded one; of those, how many the re-probe confirmed (same state
    // again) and how many it found back in the recorded state (the first result replaced).
    std::uint64_t drift_reprobed = 0;
    std::uint64_t drift_confirmed = 0;
    std::uint64_t drift_reverted = 0;
    std::optional<ResumePoint> resume_point;  // set when a raw scan was interrupted
    std::uint64_t seed = 0;               // the seed the scan used (needed to resume it)
    std::string resume_fingerprint;       // set by callers that can resume (the CLI)
    std::string engine;                   // "connect" or "raw (interface, reason)" for the user
    bool interrupted = false;            // stopped by the caller (Ctrl-C) before the end
    std::string error;                   // non-empty: the scan stopped early because of this
    std::chrono::steady_clock::duration elapsed{};
    std::chrono::system_clock::time_point start_time;
    std::chrono::system_clock::time_point end_time;
};

// Drift confirmation: a port's state when the same technique last saw it (the history's
// last_seen()). See ScanRequest::previous.
struct PreviousPort {
    std::uint16_t port = 0;
    PortState state = PortState::filtered;
    friend bool operator==(const PreviousPort&, const PreviousPort&) = default;
};

struct DiscoveryProbes {
    bool icmp_echo = true;                        // -PE
    bool icmp_timestamp = true;                   // -PP (IPv4 only; IPv6 has no timestamp)
    std::vector<std::uint16_t> syn_ports{443};    // -PS
    std::vector<std::uint16_t> ack_ports{80};     // -PA
    std::vector<std::uint16_t> udp_ports;         // -PU (nmap's default port: 40125)
    bool arp = true;            // ARP / ND decides for on-link hosts (--disable-arp-ping: false)
    bool ignore_rst = false;    // --discovery-ignore-rst: a RST proves nothing (forged by a firewall)
};

// A raw scan's packet receive rings, set up ahead of the scan (prepare_raw_sockets()).
class RawPrepared;

// Starts setting up the receive rings of a raw scan on background threads (needs CAP_NET_RAW;
// without it, or when they do not suit the interface, the scan opens its own and reports any
// error). Setting a ring up waits for a kernel RCU grace period (~10 ms): a command that calls
// this as soon as it knows it will scan with raw packets hides that wait behind the rest of its
// start-up. Hand the result to ScanRequest::prepared.
std::shared_ptr<RawPrepared> prepare_raw_sockets();

struct ScanRequest {
    TargetSet targets;
    PortList ports;
    Technique technique = Technique::connect;
    // --scanflags: raw TCP probes carry these flags (FIN=0x01 ... CWR=0x80) instead of the
    // technique's own, and replies are read as `technique` reads them (nmap: SYN by default).
    std::optional<std::uint8_t> scan_flags;
    Timing timing;
    bool randomize_ports = true;   // false with -r
    std::uint64_t seed = 0;        // 0 = pick one
    std::size_t host_group = 64;   // hosts scanned together; results come out per host
    // -Pn: treat every host as up. Otherwise hosts are pinged first (unprivileged: a connect
    // to each ping port; any answer, even "connection refused", proves the host up).
    bool skip_host_discovery = false;
    std::vector<std::uint16_t> ping_ports{80, 443};
    // Raw host discovery (nmap's -PE -PP -PS -PA -PU; default -PE -PS443 -PA80 -PP, and ARP /
    // Neighbour Discovery for hosts on a directly attached Ethernet link).
    DiscoveryProbes discovery;
    bool ping_only = false;        // -sn: discovery only, no port scan
    bool traceroute = false;       // --traceroute: the path to every host discovery found up
    unsigned workers = 0;          // probing threads; 0 = one per CPU (at most 4) for big scans
    bool reverse_dns = false;      // -R: look up the PTR name of every host found up
    // Raw engine only:
    std::uint32_t shard_index = 0;     // --shard I/N: scan only cells c with c mod N == I
    std::uint32_t shard_count = 1;
    std::optional<ResumePoint> resume_from;  // --resume: skip what an interrupted run reported
    bool drop_privileges = false;      // after opening sockets: drop capabilities (and root)
    // Who really answered: HostResult::responder for every raw port scan (--no-responder-analysis: off).
    bool responder_analysis = true;
    std::string privileged_user = "nobody";
    // Drift confirmation: the ports of a host (this scan's protocol, sorted by port) as last
    // seen. A finished host with a port whose state differs is held back, those ports are
    // probed once more (after the host group's run, with the same technique), and the host is
    // handed over with the re-probe applied: if the re-probe finds the recorded state again,
    // the first result was a lost or stray packet and the re-probe's result replaces it;
    // otherwise the first result stands. One lost packet never reports drift. Unset: off.
    std::function<std::vector<PreviousPort>(const Address&)> previous;
    // Raw engine: receive rings set up ahead (prepare_raw_sockets()); unset: set up when needed.
    std::shared_ptr<RawPrepared> prepared;
    // Raw engine: leave the packet sockets' last close to a short-lived child process. Closing
    // a packet socket waits for kernel RCU grace periods (~25-35 ms for the receive ring), which
    // use no CPU but would make a command wait before it can exit. For a process that exits
    // after this scan (the command line); a library caller or a long-running process keeps the
    // default, closing on background threads of its own (a child per scan would be its zombie).
    bool close_sockets_detached = false;
};

struct ScanCallbacks {
    std::function<void(const HostResult&)> host_done;      // called once per host, in scan order
    std::function<void(const ScanProgress&)> progress;     // called about every 250 ms
};

// Runs a connect scan (the only technique needing no privileges). Returns when done or when
// `stop` is requested; hosts already finished have been handed to host_done, and hosts
// started but unfinished are handed over with complete=false before it returns.
// An error value means the request itself cannot run (nothing was sent); a failure in the
// middle of a scan is reported in ScanSummary::error, after the results found so far.
Result<ScanSummary> run_scan(const ScanRequest& request, const ScanCallbacks& callbacks,
                             std::stop_token stop = {});

}  // namespace portwarden

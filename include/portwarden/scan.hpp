#pragma once
// Running a scan through the library: targets x ports -> HostResult per host, as hosts complete.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "portwarden/classify.hpp"
#include "portwarden/error.hpp"
#include "portwarden/ports.hpp"
#include "portwarden/results.hpp"
#include "portwarden/scan_types.hpp"
#include "portwarden/targets.hpp"

namespace portwarden {

// nmap's -S, -e, -g and --ttl: where raw probes come from and how they leave (raw engine only).
struct RawSourceOptions {
    std::optional<Address> source;             // -S: the probes' source address (of its family)
    std::string interface;                     // -e: send and capture on this interface only
    std::optional<std::uint16_t> source_port;  // -g: every probe from this port; tries are then
                                               // not told apart (every reply counts as the first's)
    std::optional<std::uint8_t> ttl;           // --ttl: IPv4 TTL / IPv6 hop limit of the probes
    bool empty() const { return !source && interface.empty() && !source_port && !ttl; }
};

struct ScanRequest {
    TargetSet targets;
    PortList ports;
    Technique technique = Technique::connect;
    // nmap's -sS -sU: a TCP scan type and the UDP scan in one run. ports.tcp are probed with
    // `technique`, ports.udp with the UDP scan: per host group one discovery, then the TCP
    // phase and the UDP phase (as nmap), and one result per host holding both protocols.
    // With technique connect (-sT -sU) the raw engine runs discovery and the UDP phase and its
    // TCP phase goes by connect() (no shards, no resume). Drift confirmation (`previous`)
    // re-probes each protocol's changed ports with that protocol's scan type.
    bool with_udp = false;
    // --scanflags: raw TCP probes carry these flags (FIN=0x01 ... CWR=0x80) instead of the
    // technique's own, and replies are read as `technique` reads them (nmap: SYN by default).
    std::optional<std::uint8_t> scan_flags;
    Timing timing;
    bool randomize_ports = true;   // false with -r
    std::uint64_t seed = 0;        // 0 = pick one
    std::size_t host_group = 64;   // hosts scanned together; results come out per host
    // --max-hostgroup: a bound on the raw engine's host groups (whose size it otherwise picks
    // by memory, as large as that allows); 0 = no bound. The connect engine uses host_group
    // (the CLI clamps it to --min-hostgroup/--max-hostgroup). min_host_group is kept for the
    // record: the raw engine's groups are already as large as memory allows.
    std::uint64_t min_host_group = 0;
    std::uint64_t max_host_group = 0;
    RawSourceOptions raw_source;   // -S -e -g --ttl
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
    // Who really answered: HostResult::responder for every raw port scan (--no-responder-analysis: off).
    bool responder_analysis = true;
    // Drift confirmation: the ports of a host (the scanned protocols, sorted by (proto, port))
    // as the same scan type last saw them. A finished host with a port whose state differs is
    // held back, those ports are probed once more (after the host group's run, with the scan
    // type of their protocol: -sS -sU re-probes TCP ports by SYN, UDP ones by UDP), and the host is
    // handed over with the re-probe applied: if the re-probe finds the recorded state again,
    // the first result was a lost or stray packet and the re-probe's result replaces it;
    // otherwise the first result stands. One lost packet never reports drift. Unset: off.
    std::function<std::vector<PreviousPort>(const Address&)> previous;
};

// How the scanning process runs a scan, apart from what it scans (ScanRequest): process-level
// knobs of the raw engine.
struct ScanRuntime {
    // Leave the packet sockets' last close to a short-lived child process. Closing
    // a packet socket waits for kernel RCU grace periods (~25-35 ms for the receive ring), which
    // use no CPU but would make a command wait before it can exit. For a process that exits
    // after this scan (the command line); a library caller or a long-running process keeps the
    // default, closing on background threads of its own (a child per scan would be its zombie).
    bool close_sockets_detached = false;
    bool drop_privileges = false;      // after opening sockets: drop capabilities (and root)
    std::string privileged_user = "nobody";
};

struct ScanCallbacks {
    std::function<void(const HostResult&)> host_done;      // called once per host, in scan order
    std::function<void(const ScanProgress&)> progress;     // called about every 250 ms
    // Called once when the scan has been set up and is about to send (sockets open, privileges
    // dropped, routes found): from here on it runs, whatever it finds. Unset: nothing.
    std::function<void()> started;
    // --packet-trace (raw engine): one line per frame sent and received, nmap's
    // "SENT (0.0012s) TCP 198.18.1.1:40000 > 198.18.1.10:22 S ttl=64 ...". Called from the
    // sending and receiving threads, possibly at once. Unset: no trace.
    std::function<void(std::string_view)> packet_trace;
};

// The scan types of a request, nmap's order (the TCP one first): {technique}, or {technique, udp}
// with with_udp.
std::vector<Technique> scan_techniques(const ScanRequest& request);

// Runs a connect scan (the only technique needing no privileges). Returns when done or when
// `stop` is requested; hosts already finished have been handed to host_done, and hosts
// started but unfinished are handed over with complete=false before it returns.
// An error value means the request itself cannot run (nothing was sent); a failure in the
// middle of a scan is reported in ScanSummary::error, after the results found so far.
Result<ScanSummary> run_scan(const ScanRequest& request, const ScanCallbacks& callbacks,
                             std::stop_token stop = {}, const ScanRuntime& runtime = {});

// The seed a scan uses (ScanRequest::seed): `requested`, or when that is 0 a random one, never
// 0. The project's one seed picker (the CLI fixes it before a scan to write resume files; the
// engines pick one for a request that left it 0).
std::uint64_t pick_seed(std::uint64_t requested);

}  // namespace portwarden

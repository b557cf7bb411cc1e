#pragma once
// The scan vocabulary: timing knobs, progress, the summary, resume points, the recorded state of
// a port (drift confirmation) and the discovery probes. Both the scan entry point (scan.hpp)
// and the lower layers (engine timing, history, output) use these.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "portwarden/address.hpp"
#include "portwarden/state.hpp"

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
    double max_rate = 0;             // probes per second sent by the whole run, 0 = unlimited
    double min_rate = 0;             // send at least this many probes per second (past windows)
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

// One shard of a logical scan (`scan --shard I/N [--scan-id NAME]`): the -oJ summary carries
// it, so `portwarden merge` can tell shards of one scan from others (see merge.hpp).
struct ShardLabel {
    std::string scan_name;  // --scan-id, empty when none was given
    std::uint32_t index = 0;
    std::uint32_t count = 1;
    std::uint64_t seed = 0;
    std::string technique;  // to_string(Technique)
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
    // Raw engine: why captured frames were not taken as answers (the first three are part of
    // replies_unmatched; the last two passed validation and are part of replies_matched or not).
    struct Rejected {
        std::uint64_t malformed = 0;      // truncated or inconsistent headers
        std::uint64_t bad_checksum = 0;   // IPv4 header or L4 checksum wrong
        std::uint64_t unknown_probe = 0;  // no probe of ours: cookie, ports or source address wrong
        std::uint64_t not_sent = 0;       // a valid cookie, but for a host, port or try this scan did not probe
        std::uint64_t late = 0;           // answered a port already settled (duplicates, later tries)
    } rejected;
    std::vector<Address> rate_limited;    // hosts whose ICMP rate limit paced the scan
    // Drift confirmation (ScanRequest::previous): ports probed again because their state
    // differed from the recorded one; of those, how many the re-probe confirmed (same state
    // again) and how many it found back in the recorded state (the first result replaced).
    std::uint64_t drift_reprobed = 0;
    std::uint64_t drift_confirmed = 0;
    std::uint64_t drift_reverted = 0;
    std::uint64_t host_groups = 0;        // host groups the scan ran (-d prints it)
    std::optional<ResumePoint> resume_point;  // set when a raw scan was interrupted
    std::uint64_t seed = 0;               // the seed the scan used (needed to resume it)
    std::string resume_fingerprint;       // set by callers that can resume (the CLI)
    std::optional<ShardLabel> shard;      // set by the CLI for --shard / --scan-id
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
    Proto proto = Proto::tcp;
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

}  // namespace portwarden

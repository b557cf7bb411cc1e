#pragma once
// One scan session, for every engine: seed, host groups (bounded, resumable), host discovery,
// the port scan of each group's up hosts, the drift re-probe of the hosts held back, hand-over
// to the caller (HostEmitter), progress, the summary and the resume point. What differs
// between engines (how a group is discovered, scanned and re-probed) sits behind
// EngineStrategy; engine/connect/ and engine/raw/ implement it.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <vector>

#include "engine/drift.hpp"
#include "engine/emit.hpp"
#include "portwarden/scan.hpp"

namespace portwarden::engine {

// What one step of an engine (discovery, scan, re-probe) sent and settled.
struct StepCounters {
    std::uint64_t probes_sent = 0;
    std::uint64_t retransmissions = 0;
    std::uint64_t replies_matched = 0;
    std::uint64_t replies_late = 0;      // answers to probes already settled (raw)
    std::uint64_t replies_not_sent = 0;  // cookies of probes this scan never sent (raw)
    std::uint64_t settled = 0;
    std::uint64_t open = 0;
};

// An engine's own counters (connect's RunCounters, raw's RawCounters) as a step's.
template <class Counters>
StepCounters step_counters(const Counters& c) {
    StepCounters out;
    out.probes_sent = c.probes_sent;
    out.retransmissions = c.retransmissions;
    if constexpr (requires { c.replies_matched; }) {
        out.replies_matched = c.replies_matched;
    }
    if constexpr (requires { c.replies_late; c.replies_not_sent; }) {
        out.replies_late = c.replies_late;
        out.replies_not_sent = c.replies_not_sent;
    }
    out.settled = c.settled;
    out.open = c.open;
    return out;
}

struct StepEnd {
    StepCounters counters;
    bool stopped = false;  // stop was requested
    std::string fatal;     // non-empty: the scan cannot go on
    bool ended() const { return stopped || !fatal.empty(); }
};

// One host group as the session hands it to the engine.
struct SessionGroup {
    std::uint64_t index = 0;           // group number (the resume point's group)
    std::uint64_t start_position = 0;  // resumed: cells below this were reported by an earlier run
    bool resumed = false;              // the group an interrupted run was scanning (--resume), at any position
    bool last = false;                 // no group follows
    std::uint64_t seed = 0;            // the scan's seed; discovery uses seed ^ (index + 1), the scan seed + index
    std::uint64_t hosts_per_group = 0;  // every group's size in this session (the engine's, clamped by --max-hostgroup)
    std::vector<Address> addresses;
    std::vector<bool> up;  // filled by discovery: host i is up (scanned); down ones are reported down
    std::chrono::system_clock::time_point start;
};

// Where an engine hands its finished hosts and progress; callable from any thread (serialized).
class GroupSink {
public:
    GroupSink(HostEmitter& emit, const ScanCallbacks& callbacks, ScanProgress& progress,
              const ScanSummary& summary, std::chrono::steady_clock::time_point steady_start)
        : emit_(emit), callbacks_(callbacks), progress_(progress), summary_(summary), steady_start_(steady_start) {}

    void finished(HostResult host);
    // The engine's counters of the group so far (settled cells, open ports).
    void tick(std::uint64_t settled, std::uint64_t open);
    // Drift confirmation: whether handing `host` over would hold it back for a re-probe.
    bool would_hold(const HostResult& host);
    bool may_hold() const { return emit_.may_hold(); }
    // Counters of the groups before this one (for progress).
    void group_done(const StepCounters& c);

private:
    std::mutex mutex_;
    HostEmitter& emit_;
    const ScanCallbacks& callbacks_;
    ScanProgress& progress_;
    const ScanSummary& summary_;
    std::chrono::steady_clock::time_point steady_start_;
    std::uint64_t settled_before_ = 0;
    std::uint64_t open_before_ = 0;
};

class EngineStrategy {
public:
    EngineStrategy() = default;
    EngineStrategy(const EngineStrategy&) = delete;
    EngineStrategy& operator=(const EngineStrategy&) = delete;
    virtual ~EngineStrategy() = default;

    virtual std::string name() const = 0;  // ScanSummary::engine
    // Hosts per group, and the (host, port) cells of one host (progress total).
    virtual std::uint64_t group_hosts() const = 0;
    virtual std::uint64_t cells_per_host() const = 0;
    // Shards, resume points (ScanRequest::shard_*, resume_from) are this engine's.
    virtual bool resumable() const = 0;

    // Discovery of the group: sets group.up (every host up with -Pn, unless unreachable).
    virtual StepEnd discover(SessionGroup& group, std::stop_token stop) = 0;
    // -sn: the result of up host i.
    virtual HostResult ping_result(const SessionGroup& group, std::size_t i) = 0;
    // The port scan of the group's up hosts; each finished host goes to sink.finished.
    virtual StepEnd scan(SessionGroup& group, GroupSink& sink, std::stop_token stop) = 0;
    // After a stop or fatal error in scan: the started, unfinished hosts handed over with what
    // is known (complete = false). Returns the group's resume position, if the engine has one.
    virtual std::optional<std::uint64_t> flush_unfinished(const SessionGroup& group, GroupSink& sink) = 0;
    // Drift confirmation: `ports` probed once more on the held hosts, each protocol's with the
    // scan type that scanned it; results[i] for held[i] (empty `results`: the re-probe could
    // not run; the hosts go over as they are).
    virtual StepEnd reprobe(std::span<const HeldHost> held, const PortList& ports,
                            std::uint64_t seed, std::vector<std::vector<PortResult>>& results,
                            std::stop_token stop) = 0;
    // The scan is over: engine figures into the summary (and its sockets closed).
    virtual void finish(ScanSummary& summary) { (void)summary; }
};

// The addresses of host group g of `group_hosts` hosts; with `shard_hosts` (-sn with --shard),
// only those of this shard (host i goes to shard i mod N).
std::vector<Address> group_addresses(const ScanRequest& request, std::uint64_t g, std::uint64_t group_hosts,
                                     bool shard_hosts);

// Runs the session of `request` with `engine`. Per-group seeds derive from `seed`.
ScanSummary run_session(EngineStrategy& engine, const ScanRequest& request, const ScanCallbacks& callbacks,
                        std::uint64_t seed, std::stop_token stop);

}  // namespace portwarden::engine

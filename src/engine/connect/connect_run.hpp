#pragma once
// A batch of TCP connect() probes over a group of hosts x a list of ports, run on epoll with
// thousands in flight. Per-host timing (RTT time-out, window, adaptive retries, scan delay,
// host time-out) is HostControl's, the raw engine's controller; --max-rate/--min-rate the run's.
// Classification goes through the shared classifier table; results go to the caller by host.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <vector>

#include "engine/connect/connect_trace.hpp"
#include "portwarden/address.hpp"
#include "portwarden/classify.hpp"
#include "portwarden/scan.hpp"

namespace portwarden::engine {

// What one settled port looks like inside the engine. Each (host, port) cell is written by
// exactly one worker thread, so cells need no locking.
struct Settled {
    PortState state = PortState::filtered;
    Reason reason = Reason::unknown;
    bool done = false;
    bool host_up = false;
    bool has_reason_ip = false;
    std::uint32_t rtt_us = 0;  // 0 = no reply
    Address reason_ip;         // when has_reason_ip: the reply came from this other address
};

// A host being scanned. Fields after `ports` are filled in when the host finishes.
struct HostRun {
    Address address;
    std::vector<Settled> ports;           // one per entry of the port list
    bool up = false;
    Reason up_reason = Reason::unknown;
    bool timed_out = false;               // --host-timeout hit (counted from the host's first probe)
    std::optional<std::uint32_t> srtt_us;
};

enum class RunMode : std::uint8_t {
    scan,  // settle every (host, port)
    ping,  // a host is finished by its first reply that proves it up
};

struct RunCounters {
    std::uint64_t probes_sent = 0;
    std::uint64_t retransmissions = 0;
    std::uint64_t settled = 0;
    std::uint64_t open = 0;
};

struct RunHooks {
    std::function<void(std::size_t host_index)> host_finished;  // host's ports all settled
    std::function<void(const RunCounters&)> tick;               // about every 250 ms
};

struct RunResult {
    RunCounters counters;
    bool stopped = false;     // stop was requested
    std::string fatal_error;  // non-empty: the run could not go on (results so far are kept)
};

struct RunOptions {
    RunMode mode = RunMode::scan;
    bool randomize = true;
    std::uint64_t seed = 1;
    std::size_t socket_budget = 1024;  // sockets all workers may hold together
    unsigned workers = 0;              // threads; 0 = one per CPU (at most 4) for big runs
    ConnectTrace trace;                // --packet-trace (called from the worker threads)
};

// Runs the probes; returns when every cell is settled, `stop` is requested, or a fatal error.
// host_finished is called once per host, serialized (never two at once), from a worker thread;
// tick from the calling thread.
RunResult run_connect_probes(std::vector<HostRun>& hosts, std::span<const std::uint16_t> ports,
                             const Timing& timing, const RunOptions& options, const RunHooks& hooks,
                             std::stop_token stop);

}  // namespace portwarden::engine

// run_scan: targets x ports in host groups; optional unprivileged host discovery first; each host
// handed to the caller as soon as all its ports are settled.
#include <algorithm>
#include <atomic>
#include <mutex>
#include <random>

#include "engine/connect_run.hpp"
#include "engine/emit.hpp"
#include "engine/fd_limit.hpp"
#include "engine/raw_scan.hpp"
#include "portwarden/scan.hpp"

namespace portwarden {
namespace {

using engine::HostRun;
using engine::RunMode;

constexpr std::uint64_t max_group_cells = std::uint64_t{1} << 22;  // hosts x ports kept at once

HostResult to_host_result(const HostRun& run, std::span<const std::uint16_t> ports, const TargetSet& targets,
                          bool complete, std::chrono::system_clock::time_point start) {
    HostResult out;
    out.address = run.address;
    out.hostname = targets.hostname_of(run.address);
    out.start_time = start;
    out.end_time = std::chrono::system_clock::now();
    out.srtt_us = run.srtt_us;
    out.complete = complete && !run.timed_out;
    out.ports.reserve(ports.size());
    for (std::size_t i = 0; i < run.ports.size() && i < ports.size(); ++i) {
        const engine::Settled& s = run.ports[i];
        if (!s.done || s.reason == Reason::unknown) {
            continue;  // never settled (interrupted or host time-out): left out, not guessed
        }
        PortResult p;
        p.proto = Proto::tcp;
        p.port = ports[i];
        p.state = s.state;
        p.reason = s.reason;
        if (s.rtt_us > 0) {
            p.rtt_us = s.rtt_us;
        }
        if (s.has_reason_ip) {
            p.reason_ip = s.reason_ip;
        }
        out.ports.push_back(p);
    }
    return out;
}

// Drift confirmation: the changed ports of the hosts held back in this group, connected to once
// more; each host is then handed over with the re-probe applied. False when `stop` ended it.
bool reprobe_held(engine::HostEmitter& emit, const ScanRequest& request, std::size_t budget, std::uint64_t seed,
                  ScanSummary& summary, std::stop_token stop) {
    std::vector<engine::HeldHost> held = emit.take_held();
    if (held.empty()) {
        return true;
    }
    const std::vector<std::uint16_t> ports = engine::reprobe_ports(held);
    std::vector<HostRun> runs(held.size());
    for (std::size_t i = 0; i < held.size(); ++i) {
        runs[i].address = held[i].host.address;
    }
    engine::RunOptions options;
    options.randomize = request.randomize_ports;
    options.seed = seed;
    options.socket_budget = budget;
    options.workers = request.workers;
    const auto r = engine::run_connect_probes(runs, ports, request.timing, options, engine::RunHooks{}, stop);
    summary.probes_sent += r.counters.probes_sent;
    summary.retransmissions += r.counters.retransmissions;
    for (std::size_t i = 0; i < held.size(); ++i) {
        const HostResult again = to_host_result(runs[i], ports, request.targets, true, held[i].host.start_time);
        emit.release(std::move(held[i]), again.ports);
    }
    return !r.stopped;
}

}  // namespace

Result<ScanSummary> run_scan(const ScanRequest& request, const ScanCallbacks& callbacks, std::stop_token stop) {
    if (request.technique != Technique::connect) {
        return engine::run_raw_scan(request, callbacks, stop);
    }
    if (request.scan_flags) {
        return fail("--scanflags sets the flags of raw TCP probes; a connect scan (-sT) cannot choose them");
    }
    if (!request.ports.udp.empty()) {
        return fail("UDP ports need a UDP scan (-sU); a connect scan (-sT) probes TCP ports only");
    }
    ScanSummary summary;
    summary.engine = "connect() sockets";
    summary.start_time = std::chrono::system_clock::now();
    const auto steady_start = std::chrono::steady_clock::now();
    const std::span<const std::uint16_t> ports(request.ports.tcp);
    const std::span<const std::uint16_t> ping_ports(request.ping_ports);
    const std::size_t budget = engine::usable_socket_budget();
    std::uint64_t seed = request.seed;
    if (seed == 0) {
        std::random_device rd;
        seed = (std::uint64_t{rd()} << 32) | rd();
    }

    const std::uint64_t total_hosts = request.targets.size();
    summary.hosts_total = total_hosts;
    const std::uint64_t cells_per_host = std::max<std::uint64_t>(ports.size(), 1);
    const std::uint64_t group =
        std::clamp<std::uint64_t>(std::min<std::uint64_t>(request.host_group, max_group_cells / cells_per_host), 1,
                                  std::max<std::uint64_t>(request.host_group, 1));

    ScanProgress progress;
    progress.probes_total = total_hosts * ports.size();
    std::uint64_t settled_before = 0;
    std::uint64_t open_before = 0;
    // Hosts finish on worker threads; the caller's callbacks never run two at once.
    std::mutex callback_mutex;

    engine::HostEmitter emit(request, callbacks, summary);

    bool stopped = false;
    std::string fatal;
    for (std::uint64_t first = 0; first < total_hosts && !stopped && fatal.empty(); first += group) {
        const std::uint64_t count = std::min(group, total_hosts - first);
        ++summary.host_groups;
        const auto group_start = std::chrono::system_clock::now();
        std::vector<HostRun> hosts(count);
        for (std::uint64_t i = 0; i < count; ++i) {
            hosts[i].address = request.targets.at(first + i);
        }

        // Host discovery: connect to the ping ports; any answer proves the host up.
        std::vector<Reason> up_reason(count, Reason::user_set);
        if (!request.skip_host_discovery) {
            std::vector<HostRun> pings = hosts;
            engine::RunOptions ping_options;
            ping_options.mode = RunMode::ping;
            ping_options.randomize = request.randomize_ports;
            ping_options.seed = seed ^ first;
            ping_options.socket_budget = budget;
            const auto r = engine::run_connect_probes(pings, ping_ports, request.timing, ping_options,
                                                      engine::RunHooks{}, stop);
            summary.probes_sent += r.counters.probes_sent;
            summary.retransmissions += r.counters.retransmissions;
            if (r.stopped || !r.fatal_error.empty()) {
                stopped = r.stopped;
                fatal = r.fatal_error;
                break;  // hosts of this group were not scanned: nothing to report for them
            }
            std::vector<HostRun> up_hosts;
            std::vector<Reason> reasons;
            for (std::uint64_t i = 0; i < count; ++i) {
                if (pings[i].up) {
                    up_hosts.push_back(hosts[i]);
                    reasons.push_back(pings[i].up_reason);
                    continue;
                }
                emit.down(hosts[i].address, group_start);
            }
            hosts = std::move(up_hosts);
            up_reason = std::move(reasons);
        }
        if (request.ping_only) {  // -sn: the up hosts are the result
            for (std::size_t h = 0; h < hosts.size(); ++h) {
                HostResult result = to_host_result(hosts[h], {}, request.targets, true, group_start);
                result.state = HostState::up;
                result.reason = up_reason[h];
                emit(result);
            }
            continue;
        }

        std::vector<bool> emitted(hosts.size(), false);
        engine::RunHooks hooks;
        hooks.host_finished = [&](std::size_t h) {
            HostResult result = to_host_result(hosts[h], ports, request.targets, true, group_start);
            result.state = HostState::up;
            result.reason = up_reason[h];
            const std::lock_guard lock(callback_mutex);
            emitted[h] = true;
            emit(result);
        };
        hooks.tick = [&](const engine::RunCounters& c) {
            const std::lock_guard lock(callback_mutex);
            if (callbacks.progress) {
                progress.probes_done = settled_before + c.settled;
                progress.open_found = open_before + c.open;
                progress.hosts_done = summary.hosts_done;
                progress.elapsed = std::chrono::steady_clock::now() - steady_start;
                callbacks.progress(progress);
            }
        };
        engine::RunOptions options;
        options.randomize = request.randomize_ports;
        options.seed = seed + first;
        options.socket_budget = budget;
        options.workers = request.workers;
        const auto r = engine::run_connect_probes(hosts, ports, request.timing, options, hooks, stop);
        summary.probes_sent += r.counters.probes_sent;
        summary.retransmissions += r.counters.retransmissions;
        settled_before += r.counters.settled;
        open_before += r.counters.open;
        stopped = r.stopped;
        fatal = r.fatal_error;
        if (!stopped && fatal.empty()) {
            stopped = !reprobe_held(emit, request, budget, seed ^ (first + 1) ^ 0x5eedULL, summary, stop);
        } else {
            emit.flush_held();  // no re-probe after a stop: as found
        }
        if (stopped || !fatal.empty()) {
            // Flush what is known for hosts that were started but not finished.
            for (std::size_t h = 0; h < hosts.size(); ++h) {
                if (!emitted[h]) {
                    HostResult partial = to_host_result(hosts[h], ports, request.targets, false, group_start);
                    partial.state = HostState::up;
                    partial.reason = up_reason[h];
                    emit(partial);
                }
            }
        }
    }
    summary.ports_settled = settled_before;
    summary.interrupted = stopped;
    summary.end_time = std::chrono::system_clock::now();
    summary.elapsed = std::chrono::steady_clock::now() - steady_start;
    summary.error = fatal;
    return summary;
}

}  // namespace portwarden

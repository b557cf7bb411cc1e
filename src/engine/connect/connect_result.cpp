#include "engine/connect/connect_result.hpp"

namespace portwarden::engine {

HostResult connect_host_result(const HostRun& run, std::span<const std::uint16_t> ports, const TargetSet& targets,
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
        const Settled& s = run.ports[i];
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

RunResult reprobe_connect(std::span<const HeldHost> held, std::span<const std::uint16_t> ports,
                          const ScanRequest& request, const RunOptions& options,
                          std::vector<std::vector<PortResult>>& results, std::stop_token stop) {
    std::vector<HostRun> runs(held.size());
    for (std::size_t i = 0; i < held.size(); ++i) {
        runs[i].address = held[i].host.address;
    }
    const RunResult r = run_connect_probes(runs, ports, request.timing, options, RunHooks{}, stop);
    results.resize(held.size());
    for (std::size_t i = 0; i < held.size(); ++i) {
        const HostResult again = connect_host_result(runs[i], ports, request.targets, true, held[i].host.start_time);
        results[i].insert(results[i].end(), again.ports.begin(), again.ports.end());
    }
    return r;
}

}  // namespace portwarden::engine

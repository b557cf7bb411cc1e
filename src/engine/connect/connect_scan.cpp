#include "engine/connect/connect_scan.hpp"

#include <algorithm>
#include <optional>

#include "engine/connect/connect_result.hpp"
#include "engine/connect/connect_run.hpp"
#include "engine/connect/fd_limit.hpp"
#include "engine/session.hpp"

namespace portwarden::engine {
namespace {

constexpr std::uint64_t kMaxGroupCells = std::uint64_t{1} << 22;  // hosts x ports kept at once

StepEnd step_end(const RunResult& r) { return StepEnd{step_counters(r.counters), r.stopped, r.fatal_error}; }

class ConnectEngine final : public EngineStrategy {
public:
    ConnectEngine(const ScanRequest& request, const ScanCallbacks& callbacks)
        : request_(request), ports_(request.ports.tcp), budget_(usable_socket_budget()),
          trace_{callbacks.packet_trace, std::chrono::steady_clock::now()} {}

    std::string name() const override { return "connect() sockets"; }
    std::uint64_t group_hosts() const override {
        const std::uint64_t wanted = std::max<std::uint64_t>(request_.host_group, 1);
        return std::clamp<std::uint64_t>(kMaxGroupCells / cells_per_host(), 1, wanted);
    }
    std::uint64_t cells_per_host() const override { return std::max<std::uint64_t>(ports_.size(), 1); }
    bool resumable() const override { return false; }

    StepEnd discover(SessionGroup& group, std::stop_token stop) override {
        const std::size_t n = group.addresses.size();
        hosts_.assign(n, HostRun{});
        for (std::size_t i = 0; i < n; ++i) {
            hosts_[i].address = group.addresses[i];
        }
        up_reason_.assign(n, Reason::user_set);
        group.up.assign(n, true);
        if (request_.skip_host_discovery) {
            return {};
        }
        std::vector<HostRun> pings = hosts_;
        const auto r = run_connect_probes(pings, request_.ping_ports, request_.timing,
                                          options(RunMode::ping, group.seed ^ (group.index + 1)), RunHooks{}, stop);
        for (std::size_t i = 0; i < n; ++i) {
            group.up[i] = pings[i].up;
            up_reason_[i] = pings[i].up_reason;
        }
        return step_end(r);
    }

    HostResult ping_result(const SessionGroup& group, std::size_t i) override {
        return up_result(i, {}, true, group.start);
    }

    StepEnd scan(SessionGroup& group, GroupSink& sink, std::stop_token stop) override {
        std::vector<HostRun> up_hosts;
        std::vector<Reason> reasons;
        for (std::size_t i = 0; i < hosts_.size(); ++i) {
            if (group.up[i]) {
                up_hosts.push_back(hosts_[i]);
                reasons.push_back(up_reason_[i]);
            }
        }
        hosts_ = std::move(up_hosts);
        up_reason_ = std::move(reasons);
        emitted_.assign(hosts_.size(), false);
        RunHooks hooks;
        hooks.host_finished = [&](std::size_t h) {  // serialized by run_connect_probes
            emitted_[h] = true;
            sink.finished(up_result(h, ports_, true, group.start));
        };
        hooks.tick = [&](const RunCounters& c) { sink.tick(c.settled, c.open); };
        RunOptions run_options = options(RunMode::scan, group.seed + group.index);
        run_options.workers = request_.workers;
        return step_end(run_connect_probes(hosts_, ports_, request_.timing, run_options, hooks, stop));
    }

    std::optional<std::uint64_t> flush_unfinished(const SessionGroup& group, GroupSink& sink) override {
        for (std::size_t h = 0; h < hosts_.size(); ++h) {
            if (!emitted_[h]) {
                sink.finished(up_result(h, ports_, false, group.start));
            }
        }
        return std::nullopt;
    }

    StepEnd reprobe(std::span<const HeldHost> held, const PortList& ports, std::uint64_t seed,
                    std::vector<std::vector<PortResult>>& results, std::stop_token stop) override {
        RunOptions run_options = options(RunMode::scan, seed);
        run_options.workers = request_.workers;
        return step_end(reprobe_connect(held, ports.tcp, request_, run_options, results, stop));
    }

private:
    RunOptions options(RunMode mode, std::uint64_t seed) const {
        RunOptions out;
        out.mode = mode;
        out.randomize = request_.randomize_ports;
        out.seed = seed;
        out.socket_budget = budget_;
        out.trace = trace_;
        return out;
    }

    HostResult up_result(std::size_t h, std::span<const std::uint16_t> ports, bool complete,
                         std::chrono::system_clock::time_point start) const {
        HostResult result = connect_host_result(hosts_[h], ports, request_.targets, complete, start);
        result.state = HostState::up;
        result.reason = up_reason_[h];
        return result;
    }

    const ScanRequest& request_;
    std::span<const std::uint16_t> ports_;
    std::size_t budget_;
    ConnectTrace trace_;
    std::vector<HostRun> hosts_;    // the group's hosts; after scan() starts, its up hosts only
    std::vector<Reason> up_reason_;  // per entry of hosts_
    std::vector<bool> emitted_;
};

}  // namespace

Result<ScanSummary> run_connect_scan(const ScanRequest& request, const ScanCallbacks& callbacks,
                                     std::stop_token stop) {
    if (request.scan_flags) {
        return fail("--scanflags sets the flags of raw TCP probes; a connect scan (-sT) cannot choose them");
    }
    if (!request.ports.udp.empty()) {
        return fail("UDP ports need a UDP scan (-sU); a connect scan (-sT) probes TCP ports only");
    }
    ConnectEngine engine(request, callbacks);
    return run_session(engine, request, callbacks, pick_seed(request.seed), std::move(stop));
}

}  // namespace portwarden::engine

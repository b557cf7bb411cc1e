#include "engine/connect/connect_run.hpp"

#include <algorithm>
#include <thread>

#include "engine/connect/connect_runner.hpp"
#include "engine/connect/run_shared.hpp"

namespace portwarden::engine {
namespace {

using connect_worker::Runner;

constexpr std::uint64_t cells_per_extra_worker = 4096;
constexpr unsigned max_workers = 4;

unsigned worker_count(const RunOptions& options, std::size_t hosts, std::size_t ports) {
    if (options.mode == RunMode::ping) {
        return 1;  // a host's ping probes must see each other's answers
    }
    unsigned n = options.workers;
    if (n == 0) {
        const std::uint64_t cells = std::uint64_t{hosts} * ports;
        const unsigned cpus = std::max(1U, std::thread::hardware_concurrency());
        n = static_cast<unsigned>(std::min<std::uint64_t>(
            {cpus, max_workers, 1 + cells / cells_per_extra_worker}));
    }
    return std::clamp<unsigned>(n, 1, static_cast<unsigned>(std::max<std::size_t>(ports, 1)));
}

}  // namespace

RunResult run_connect_probes(std::vector<HostRun>& hosts, std::span<const std::uint16_t> ports,
                             const Timing& timing, const RunOptions& options, const RunHooks& hooks,
                             std::stop_token stop) {
    RunResult result;
    if (hosts.empty()) {
        return result;
    }
    for (HostRun& h : hosts) {
        h.ports.assign(ports.size(), Settled{});
    }
    const unsigned workers = worker_count(options, hosts.size(), ports.size());
    Shared shared(hosts, ports, timing, options, hooks, workers);
    const std::size_t budget = std::max<std::size_t>(options.socket_budget / workers, 16);
    {
        std::vector<std::jthread> threads;
        for (unsigned k = 1; k < workers; ++k) {
            threads.emplace_back([&shared, k, budget, stop] {
                Runner runner(shared, k, budget);
                runner.run(stop, false);
            });
        }
        Runner runner(shared, 0, budget);
        runner.run(stop, true);
    }  // joins the other workers
    result.counters = Runner::snapshot(shared);
    result.fatal_error = shared.fatal;
    result.stopped = stop.stop_requested() && shared.finished_hosts.load() < hosts.size();
    return result;
}

}  // namespace portwarden::engine

#pragma once
// What the worker threads of one connect run share: the hosts (each (host, port) cell is
// written by exactly one worker, so cells need no lock), each worker's view of each host, and
// the counters. The last worker done with a host merges the views and reports the host.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/connect/connect_run.hpp"
#include "engine/send_rate.hpp"
#include "targets/permutation.hpp"

namespace portwarden::engine {

// One worker's view of one host: written only by that worker until it hands the host over.
struct WorkerHost {
    std::uint32_t remaining = 0;  // this worker's unsettled cells of the host
    bool closed = false;          // finished here (all settled, timed out, or proven up in ping mode)
    bool up = false;
    Reason up_reason = Reason::unknown;
    bool timed_out = false;
    std::optional<std::uint32_t> srtt_us;
};

// What all workers of one run share.
struct Shared {
    Shared(std::vector<HostRun>& h, std::span<const std::uint16_t> p, const Timing& t, const RunOptions& o,
           const RunHooks& k, unsigned n)
        : hosts(h), ports(p), timing(t), options(o), hooks(k), workers(n),
          order(p.size(), o.seed), worker_hosts(h.size() * n),
          pending(std::make_unique<std::atomic<unsigned>[]>(h.size())),
          rate(t.max_rate, t.min_rate, std::chrono::steady_clock::now()) {
        for (std::size_t i = 0; i < h.size(); ++i) {
            pending[i].store(n, std::memory_order_relaxed);
        }
    }

    WorkerHost& of(unsigned worker, std::size_t host) { return worker_hosts.at(worker * hosts.size() + host); }

    // Called by each worker once it is done with a host; the last one merges and reports it.
    void worker_done_with(std::size_t h);

    std::vector<HostRun>& hosts;
    std::span<const std::uint16_t> ports;
    const Timing& timing;
    const RunOptions& options;
    const RunHooks& hooks;
    unsigned workers;
    targets::Permutation order;  // keyed random order of the port list, walked by each host
    std::vector<WorkerHost> worker_hosts;  // [worker * hosts + host]
    std::unique_ptr<std::atomic<unsigned>[]> pending;  // workers not yet done with each host
    SharedSendRate rate;  // --max-rate, --min-rate: the run's, all workers together
    std::mutex hook_mutex;
    std::mutex fatal_mutex;
    std::string fatal;
    std::atomic<bool> abort{false};
    std::atomic<std::size_t> finished_hosts{0};
    std::atomic<std::uint64_t> probes_sent{0};
    std::atomic<std::uint64_t> retransmissions{0};
    std::atomic<std::uint64_t> settled{0};
    std::atomic<std::uint64_t> open{0};
};

}  // namespace portwarden::engine

#include "engine/connect/run_shared.hpp"

namespace portwarden::engine {

void Shared::worker_done_with(std::size_t h) {
    if (pending[h].fetch_sub(1, std::memory_order_acq_rel) != 1) {
        return;
    }
    HostRun& host = hosts.at(h);
    for (unsigned k = 0; k < workers; ++k) {
        const WorkerHost& w = of(k, h);
        if (w.up && !host.up) {
            host.up = true;
            host.up_reason = w.up_reason;
        }
        host.timed_out = host.timed_out || w.timed_out;
        if (w.srtt_us && (!host.srtt_us || *w.srtt_us < *host.srtt_us)) {
            host.srtt_us = w.srtt_us;
        }
    }
    finished_hosts.fetch_add(1, std::memory_order_release);
    if (hooks.host_finished) {
        const std::lock_guard lock(hook_mutex);
        hooks.host_finished(h);
    }
}

}  // namespace portwarden::engine

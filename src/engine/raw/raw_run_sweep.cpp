// RawRun in sweep mode (RawRunOptions::sweep): ping runs over big, mostly silent ranges send each
// silent address its first probes only, when the path has shown itself clean.
//
// A first try that times out on a host silent so far is parked instead of retried. Hosts that
// answer are not finished at their first reply: their other probes go on (and are retried as
// usual), and every reply settling a probe is evidence: one to a first try counts as a clean
// sample, one to a retry (the earlier try went unanswered) shows loss. Once every first probe is
// out and nothing but parked tries remains, the parked tries are settled (no-response) if no
// loss was seen and at least kMinCleanSamples first tries were answered; otherwise they are
// retried exactly as they would have been (and a host that comes up has its parked tries retried
// at once). zmap and masscan send once; nmap retries every silent host.
#include <algorithm>

#include "engine/raw/raw_run.hpp"

namespace portwarden::engine {

namespace {

constexpr std::uint64_t kMinCleanSamples = 4;  // answered first tries before a path counts as clean

}  // namespace

bool RawRun::park(std::uint32_t cell_index, const HostSlot& host) {
    RawCell& cell = cells_[cell_index];
    if (!options_.sweep || sweep_decided_ || host.up || cell.tries != 1 || cell.queued) {
        return false;
    }
    cell.next = kParked;
    parked_.push_back(cell_index);
    return true;
}

void RawRun::unpark_host(std::size_t h) {
    for (std::size_t c = 0; c < columns_.size(); ++c) {
        const auto i = static_cast<std::uint32_t>(h * columns_.size() + c);
        if (!cells_[i].queued && cells_[i].next == kParked) {
            cells_[i].next = kNone;
            queue_push(hosts_[h], i, true);
        }
    }
    mark_ready(h);
}

void RawRun::sweep_evidence(std::uint8_t tryno) {
    if (tryno == 0) {
        ++clean_samples_;
    } else {
        loss_seen_ = true;
    }
}

void RawRun::decide_sweep() {
    sweep_decided_ = true;
    const bool clean = !loss_seen_ && clean_samples_ >= kMinCleanSamples;
    for (const std::uint32_t c : parked_) {
        RawCell& cell = cells_[c];
        if (cell.queued || cell.next != kParked) {
            continue;  // its host came up: queued again already
        }
        cell.next = kNone;
        if (cell.done) {
            continue;
        }
        const std::size_t h = c / columns_.size();
        if (clean) {
            ++counters_.retries_saved;
            const Verdict v = classify(columns_[c % columns_.size()].module->technique(), Response{});
            settle(c, v.state, v.reason);
        } else {
            queue_push(hosts_[h], c, true);
            mark_ready(h);
        }
    }
    parked_ = {};
}

}  // namespace portwarden::engine

#include "engine/raw/raw_run.hpp"

#include <algorithm>
#include <thread>

namespace portwarden::engine {

using std::chrono::duration_cast;
using std::chrono::microseconds;
using std::chrono::milliseconds;

namespace {

constexpr std::size_t kFrameCapacity = 2048;
constexpr std::size_t kMaxBacklogPerRound = 4096;  // cells parked for blocked hosts per round
constexpr std::uint64_t kPrefetchAhead = 8;          // new cells: how far ahead a cell is prefetched
constexpr auto kTickEvery = milliseconds(250);

}  // namespace

RawRun::RawRun(std::vector<RawTarget> targets, std::vector<RawColumn> columns, const RawTemplates& templates,
               const techniques::ScanContext& context, const Timing& timing, const RawRunOptions& options,
               RawIo& io)
    : targets_(std::move(targets)), columns_(std::move(columns)), templates_(templates), context_(context),
      timing_(timing), options_(options), io_(io), group_rtt_(timing),
      order_(std::max<std::uint64_t>(std::uint64_t{targets_.size()} * columns_.size(), 1), options.seed),
      cells_(targets_.size() * columns_.size()), column_of_port_(65536, -1) {
    if (options_.record_reply_facts) {
        reply_facts_.resize(cells_.size());
    }
    // -sS -sU: the host's ICMP limiter matters when any column's state depends on its errors
    // (asked once per run of columns sharing a module, not once per port).
    bool limiter = false;
    const techniques::Module* asked = nullptr;
    for (const RawColumn& c : columns_) {
        if (c.module != asked) {
            asked = c.module;
            limiter = limiter || limiter_changes_state(c.module->technique());
        }
    }
    HostTuning tuning = HostTuning::from(timing, limiter);
    tuning.limiter_maybe_drained = options_.resumed;
    hosts_.reserve(targets_.size());
    for (std::size_t h = 0; h < targets_.size(); ++h) {
        hosts_.emplace_back(HostControl(timing, tuning));
        host_index_.emplace_back(targets_[h].address, static_cast<std::uint32_t>(h));
    }
    std::sort(host_index_.begin(), host_index_.end());
    for (std::size_t c = 0; c < columns_.size(); ++c) {
        column_of_port_.at(columns_[c].port) = static_cast<std::int32_t>(c);
    }
    only_module_ = columns_.empty() ? nullptr : columns_.front().module;
    for (const RawColumn& c : columns_) {
        if (c.module != only_module_) {
            only_module_ = nullptr;
            break;
        }
    }
    // Cells not ours (other shards, disabled hosts): walked host by host (no division per cell).
    const std::uint32_t shards = std::max<std::uint32_t>(options_.shard_count, 1);
    for (std::size_t h = 0, i = 0; h < hosts_.size(); ++h) {
        const bool disabled = h < options_.disabled_hosts.size() && options_.disabled_hosts[h];
        for (std::size_t c = 0; c < columns_.size(); ++c, ++i) {
            const std::size_t shard = shards > 1 ? i % shards : 0;
            if (shard != options_.shard_index || disabled) {
                cells_[i].skipped = true;
            }
        }
    }
    // Resume: positions below start_position were settled by an earlier run.
    const std::uint64_t start = std::min<std::uint64_t>(options_.start_position, cells_.size());
    for (std::uint64_t p = 0; p < start; ++p) {
        cells_[cell_at(p)].skipped = true;
    }
    next_position_ = start;
    for (std::size_t h = 0, i = 0; h < hosts_.size(); ++h) {
        for (std::size_t c = 0; c < columns_.size(); ++c, ++i) {
            hosts_[h].remaining += cells_[i].skipped ? 0U : 1U;
        }
    }
    // Frame buffers as big as the biggest template (not kFrameCapacity each: 3 sets x 512
    // frames x 2 KB would be 3 MB of RSS for 60-byte SYNs).
    for (const net::ProbeTemplate& t : templates_.unique) {
        frame_capacity_ = std::max(frame_capacity_, std::min(t.size(), kFrameCapacity));
    }
    for (std::size_t set = 0; set < kBufferSets; ++set) {
        frame_buffers_[set].assign(std::max<std::size_t>(options_.batch, 1), std::vector<std::uint8_t>(frame_capacity_));
        buffer_template_[set].assign(frame_buffers_[set].size(), nullptr);
    }
    frame_views_.resize(frame_buffers_[0].size());
}

std::optional<std::uint32_t> RawRun::find_host(const Address& a) const {
    const auto it = std::lower_bound(host_index_.begin(), host_index_.end(), a,
                                     [](const auto& entry, const Address& key) { return entry.first < key; });
    if (it == host_index_.end() || it->first != a) {
        return std::nullopt;
    }
    return it->second;
}

std::uint32_t RawRun::cell_at(std::uint64_t position) const {
    return static_cast<std::uint32_t>(options_.randomize ? order_(position) : position);
}

std::uint32_t RawRun::micros_since_start(Clock::time_point t) const {
    const auto us = duration_cast<microseconds>(t - run_start_).count();
    return static_cast<std::uint32_t>(std::clamp<long long>(us, 0, 0xffffffffLL));
}

// A host that has not answered yet waits as long as the group's estimate says (nmap's group
// timing): one silent address in a sweep must not keep the initial 1 s time-out.
std::chrono::microseconds RawRun::timeout_of(const HostSlot& host) const {
    if (host.control.srtt() || !group_sampled_) {
        return host.control.timeout();
    }
    return std::max(std::min(host.control.timeout(), group_rtt_.timeout()), timing_.min_rtt_timeout);
}

std::optional<RawReplyFacts> RawRun::reply_facts(std::size_t h, std::size_t c) const {
    if (reply_facts_.empty()) {
        return std::nullopt;
    }
    return reply_facts_[h * columns_.size() + c];
}

std::optional<Address> RawRun::reason_ip(std::size_t h, std::size_t c) const {
    if (reason_ips_.empty()) {
        return std::nullopt;  // the usual case: no hash per port
    }
    const auto it = reason_ips_.find(static_cast<std::uint32_t>(h * columns_.size() + c));
    if (it == reason_ips_.end()) {
        return std::nullopt;
    }
    return it->second;
}

void RawRun::settle(std::uint32_t cell_index, PortState state, Reason reason) {
    RawCell& cell = cells_[cell_index];
    if (cell.done) {
        return;
    }
    cell.done = true;
    cell.state = state;
    cell.reason = reason;
    ++counters_.settled;
    if (state == PortState::open) {
        ++counters_.open;
    }
    const std::size_t h = cell_index / columns_.size();
    HostSlot& host = hosts_[h];
    if (host.remaining > 0 && --host.remaining == 0) {
        finish_host(h);
    }
}

void RawRun::finish_host(std::size_t h, bool report) {
    HostSlot& host = hosts_[h];
    if (host.finished) {
        return;
    }
    host.finished = true;
    while (!host.queue_empty()) {
        queue_pop(host);
    }
    while (host.out_head != kNone) {
        out_pop(host);
    }
    --hosts_left_;
    if (report && hooks_ != nullptr && hooks_->host_finished) {
        if (options_.release_io_when_done && hosts_left_ == 0) {
            last_host_ = h;  // handed over after the loop, once the io is released
            return;
        }
        hooks_->host_finished(h);
    }
}

// 1. Queued cells (retries first) of hosts that may send now, a fair share each.
std::size_t RawRun::send_queued(Clock::time_point now, std::size_t budget, bool behind_min_rate) {
    std::size_t sent_now = 0;
    const std::size_t quota = std::max<std::size_t>(1, budget / std::max<std::size_t>(ready_.size(), 1));
    for (std::size_t n = ready_.size(); n > 0 && sent_now < budget; --n) {
        const std::uint32_t h = ready_.front();
        ready_.pop_front();
        HostSlot& host = hosts_[h];
        host.in_ready = false;
        for (std::size_t k = 0; k < quota && sent_now < budget && !host.finished && !host.queue_empty(); ++k) {
            if (!host.control.may_send(now, behind_min_rate)) {
                break;
            }
            const std::uint32_t c = queue_pop(host);
            if (!cells_[c].done && send_cell(c, now)) {
                ++sent_now;
            }
        }
        mark_ready(h);
    }
    return sent_now;
}

// 2. New cells in permutation order, up to `budget` sends in all this round.
std::size_t RawRun::send_new(Clock::time_point now, std::size_t budget, std::size_t sent_now, bool behind_min_rate) {
    const std::uint64_t positions = cells_.size();
    std::size_t parked = 0;
    // A cell of a host with queued cells is queued behind them. Once every host left has some,
    // every further cell would be: the walk stops (queueing them all the same only costs a
    // second visit to each, and a -p- of one host whose window was full once went entirely
    // through its queue: 65 471 of 65 539 probes).
    while (sent_now < budget && next_position_ < positions && parked < kMaxBacklogPerRound &&
           queued_hosts_ < hosts_left_) {
        // Cells are visited in permutation order, so each (and its column's entries, read by
        // send_cell) is a cache miss: ask for those kPrefetchAhead positions on meanwhile.
        if (next_position_ + kPrefetchAhead < positions) {
            prefetch_cell(cell_at(next_position_ + kPrefetchAhead));
        }
        const std::uint32_t c = cell_at(next_position_++);
        const std::size_t h = c / columns_.size();
        HostSlot& host = hosts_[h];
        if (cells_[c].skipped || cells_[c].done || host.finished) {
            continue;
        }
        if (host.queue_empty() && host.control.may_send(now, behind_min_rate)) {
            if (send_cell(c, now)) {
                ++sent_now;
            }
        } else {
            queue_push(host, c, false);
            mark_ready(h);
            ++parked;
        }
    }
    return sent_now;
}

// Replies and time-outs first; false when the run must end (stopped or a receive error).
bool RawRun::take_replies_and_timeouts(std::vector<CapturedReply>& replies, const std::stop_token& stop,
                                       Result& result) {
    if (stop.stop_requested()) {
        result.stopped = true;
        return false;
    }
    replies.clear();
    io_.take_replies(replies, Clock::now());
    handle_replies(replies);
    const auto now = Clock::now();
    handle_timeouts(now);
    check_host_timeouts(now);
    if (options_.sweep && !sweep_decided_ && next_position_ >= cells_.size() && in_flight_ == 0 && queued_ == 0) {
        decide_sweep();  // only parked first tries are left
    }
    if (auto err = io_.receive_error(); !err.empty()) {
        fatal_ = err;
        return false;
    }
    return true;
}

void RawRun::start_run(const RawRunHooks& hooks) {
    hooks_ = &hooks;
    run_start_ = Clock::now();
    rate_ = SendRate(timing_.max_rate, timing_.min_rate, run_start_);
    if (options_.helper_sender && cells_.size() >= 4 * frame_views_.size()) {
        helper_ = std::make_unique<HelperSender>(io_);
    }
    hosts_left_ = hosts_.size();
    // Hosts with nothing to scan in this shard/resume slice are finished at once.
    for (std::size_t h = 0; h < hosts_.size(); ++h) {
        if (hosts_[h].remaining == 0) {
            finish_host(h, false);  // nothing of it in this shard / resumed slice: not reported
        }
    }
}

void RawRun::end_run(Result& result) {
    if (helper_) {
        if (auto err = helper_->drain(); !err.empty() && fatal_.empty()) {
            fatal_ = err;
        }
        helper_.reset();
        helper_sets_.clear();
        helper_completed_ = 0;
    }
    if (last_host_) {
        // Every host is finished and nothing is being sent: the sockets close (RCU grace
        // periods, tens of ms) while the last host's results are written.
        if (hosts_left_ == 0 && fatal_.empty() && !result.stopped &&
            (!hooks_->may_release || hooks_->may_release(*last_host_))) {
            io_.release();
        }
        hooks_->host_finished(*last_host_);
        last_host_.reset();
    }
    result.counters = counters_;
    result.fatal_error = fatal_;
    hooks_ = nullptr;
}

RawRun::Result RawRun::run(const RawRunHooks& hooks, std::stop_token stop) {
    start_run(hooks);
    Result result;
    std::vector<CapturedReply> replies;
    auto last_tick = run_start_;
    bool all_sent_told = false;
    while (hosts_left_ > 0 && fatal_.empty() && take_replies_and_timeouts(replies, stop, result)) {
        const auto now = Clock::now();
        // Sending budget for this round (--max-rate); below --min-rate, windows are ignored.
        const std::size_t budget = rate_.take(now, options_.batch);
        const bool behind_min_rate = rate_.behind(now, counters_.probes_sent);
        std::size_t sent_now = send_queued(now, budget, behind_min_rate);
        sent_now = send_new(now, budget, sent_now, behind_min_rate);
        if (pending_frames_ > 0) {
            flush_sends();
        }
        if (next_position_ >= cells_.size() && hooks.all_sent && !all_sent_told) {
            all_sent_told = true;
            hooks.all_sent();
        }
        rate_.refund(budget - sent_now);
        if (hooks.tick && now - last_tick >= kTickEvery) {
            last_tick = now;
            hooks.tick(counters_);
        }
        if (sent_now == 0 && hosts_left_ > 0) {
            const auto wake = std::min(next_wakeup(now), rate_.next_token(now));
            replies.clear();
            io_.take_replies(replies, wake);
            handle_replies(replies);
            replies.clear();
        }
    }
    end_run(result);
    return result;
}

std::uint64_t RawRun::low_water() const {
    std::uint64_t p = std::min<std::uint64_t>(options_.start_position, cells_.size());
    for (; p < cells_.size(); ++p) {
        const std::uint32_t c = cell_at(p);
        const HostSlot& host = hosts_[c / columns_.size()];
        const bool settled = cells_[c].skipped || cells_[c].done || (host.finished && !host.timed_out);
        if (!settled) {
            break;
        }
    }
    return p;
}

std::vector<bool> RawRun::cells_before(std::uint64_t position) const {
    std::vector<bool> before(cells_.size(), false);
    for (std::uint64_t p = 0; p < position && p < cells_.size(); ++p) {
        before[cell_at(p)] = true;
    }
    return before;
}

}  // namespace portwarden::engine

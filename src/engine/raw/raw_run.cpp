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
    // -sS -sU: the host's ICMP limiter matters when any column's state depends on its errors.
    const bool limiter = std::any_of(columns_.begin(), columns_.end(),
                                     [](const RawColumn& c) { return limiter_changes_state(c.module->technique()); });
    const HostTuning tuning = HostTuning::from(timing, limiter);
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
    const std::uint32_t shards = std::max<std::uint32_t>(options_.shard_count, 1);
    for (std::size_t i = 0; i < cells_.size(); ++i) {
        const std::size_t h = columns_.empty() ? 0 : i / columns_.size();
        if (i % shards != options_.shard_index ||
            (h < options_.disabled_hosts.size() && options_.disabled_hosts[h])) {
            cells_[i].skipped = true;
        }
    }
    // Resume: positions below start_position were settled by an earlier run.
    const std::uint64_t start = std::min<std::uint64_t>(options_.start_position, cells_.size());
    for (std::uint64_t p = 0; p < start; ++p) {
        cells_[cell_at(p)].skipped = true;
    }
    next_position_ = start;
    for (std::size_t i = 0; i < cells_.size(); ++i) {
        if (!cells_[i].skipped) {
            ++hosts_[i / columns_.size()].remaining;
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

void RawRun::queue_push(HostSlot& host, std::uint32_t cell, bool front) {
    cells_[cell].queued = true;
    if (host.q_head == kNone) {
        cells_[cell].next = kNone;
        host.q_head = host.q_tail = cell;
    } else if (front) {
        cells_[cell].next = host.q_head;
        host.q_head = cell;
    } else {
        cells_[cell].next = kNone;
        cells_[host.q_tail].next = cell;
        host.q_tail = cell;
    }
}

std::uint32_t RawRun::queue_pop(HostSlot& host) {
    const std::uint32_t cell = host.q_head;
    host.q_head = cells_[cell].next;
    if (host.q_head == kNone) {
        host.q_tail = kNone;
    }
    cells_[cell].next = kNone;
    cells_[cell].queued = false;
    return cell;
}

void RawRun::out_push(HostSlot& host, const Outstanding& o) {
    std::uint32_t node = pool_free_;
    if (node == kNone) {
        node = static_cast<std::uint32_t>(pool_.size());
        pool_.push_back(o);
    } else {
        pool_free_ = pool_[node].next;
        pool_[node] = o;
    }
    pool_[node].next = kNone;
    if (host.out_head == kNone) {
        host.out_head = host.out_tail = node;
    } else {
        pool_[host.out_tail].next = node;
        host.out_tail = node;
    }
}

void RawRun::out_pop(HostSlot& host) {
    const std::uint32_t node = host.out_head;
    host.out_head = pool_[node].next;
    if (host.out_head == kNone) {
        host.out_tail = kNone;
    }
    pool_[node].next = pool_free_;
    pool_free_ = node;
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
    const auto it = reason_ips_.find(static_cast<std::uint32_t>(h * columns_.size() + c));
    if (it == reason_ips_.end()) {
        return std::nullopt;
    }
    return it->second;
}

void RawRun::mark_ready(std::size_t h) {
    HostSlot& host = hosts_[h];
    if (!host.in_ready && !host.queue_empty() && !host.finished) {
        host.in_ready = true;
        ready_.push_back(static_cast<std::uint32_t>(h));
    }
}

bool RawRun::send_cell(std::uint32_t cell_index, Clock::time_point now) {
    RawCell& cell = cells_[cell_index];
    const std::size_t h = cell_index / columns_.size();
    const std::size_t c = cell_index % columns_.size();
    const RawTarget& target = targets_[h];
    const net::ProbeTemplate* tmpl = templates_.get(c, target.address.family());
    if (tmpl == nullptr || tmpl->size() > frame_capacity_) {
        settle(cell_index, PortState::filtered, Reason::unknown);  // cannot probe: left out
        return false;
    }
    std::vector<std::uint8_t>& buf = frame_buffers_[active_set_][pending_frames_];
    const net::ProbeTemplate*& held = buffer_template_[active_set_][pending_frames_];
    const std::span<std::uint8_t> frame(buf.data(), tmpl->size());
    if (held != tmpl) {
        held = tmpl->write(frame) ? tmpl : nullptr;
    }
    if (held == nullptr ||
        !columns_[c].module->make_probe(frame, *tmpl, context_, target.address, columns_[c].port, cell.tries)) {
        settle(cell_index, PortState::filtered, Reason::unknown);
        return false;
    }
    if (context_.ethernet(target.address.family()) && frame.size() >= 6) {
        std::copy(target.next_hop_mac.begin(), target.next_hop_mac.end(), frame.begin());
    }
    frame_views_[pending_frames_] = frame;
    ++pending_frames_;
    HostSlot& host = hosts_[h];
    out_push(host, Outstanding{now, cell_index, kNone, cell.tries});
    host.control.on_send(now);
    if (cell.tries > 0) {
        ++counters_.retransmissions;
    }
    ++cell.tries;
    cell.sent_us = micros_since_start(now);
    ++counters_.probes_sent;
    if (pending_frames_ == frame_views_.size()) {
        flush_sends();
    }
    return true;
}

void RawRun::flush_sends() {
    const std::span<const net::ConstBytes> frames(frame_views_.data(), pending_frames_);
    pending_frames_ = 0;
    if (frames.empty() || !fatal_.empty()) {
        return;
    }
    // A full batch goes to the helper's queue while it holds fewer than two (another buffer
    // set is filled meanwhile); otherwise the scheduler sends it itself. The helper has nothing
    // else to do, so it should send more than the scheduler, which also handles the replies.
    if (helper_ && frames.size() == frame_views_.size()) {
        for (const std::uint64_t done = helper_->completed(); helper_completed_ < done; ++helper_completed_) {
            helper_sets_.pop_front();  // out: the set may be filled again
        }
        if (helper_sets_.size() < kBufferSets - 1) {
            if (auto err = helper_->take_error(); !err.empty()) {
                fatal_ = err;
                return;
            }
            helper_->submit(std::vector<net::ConstBytes>(frames.begin(), frames.end()));
            helper_sets_.push_back(active_set_);
            for (std::size_t set = 0; set < kBufferSets; ++set) {
                if (std::find(helper_sets_.begin(), helper_sets_.end(), set) == helper_sets_.end()) {
                    active_set_ = set;
                    break;
                }
            }
            return;
        }
    }
    if (auto err = send_all(io_, frames); !err.empty()) {
        fatal_ = err;
    }
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

void RawRun::handle_replies(const std::vector<CapturedReply>& replies) {
    // Each reply reads column_of_port_ (256 KB) and then its cell (cells_, 20 bytes a port, in
    // no useful order): both miss the cache, which the kernel's packet work keeps cold. Asking
    // for all of a batch's first, then all of their cells, lets those misses overlap.
    reply_hosts_.clear();
    for (const auto& r : replies) {
        __builtin_prefetch(&column_of_port_[r.reply.port]);
        reply_hosts_.push_back(find_host(r.reply.target));
    }
    for (std::size_t i = 0; i < replies.size(); ++i) {
        const std::int32_t column = column_of_port_[replies[i].reply.port];
        if (column >= 0 && reply_hosts_[i]) {
            __builtin_prefetch(&cells_[*reply_hosts_[i] * columns_.size() + static_cast<std::size_t>(column)]);
        }
    }
    for (std::size_t i = 0; i < replies.size(); ++i) {
        handle_reply(replies[i], reply_hosts_[i]);
    }
}

void RawRun::handle_reply(const CapturedReply& r, std::optional<std::uint32_t> hit) {
    std::int32_t column = column_of_port_[r.reply.port];  // 65 536 entries: any port fits
    // One module for every column (a port scan): no look at columns_ (a cache miss per reply).
    const bool module_ok = only_module_ != nullptr ? r.module == only_module_
                           : column >= 0 && columns_[static_cast<std::size_t>(column)].module == r.module;
    if (column >= 0 && !module_ok) {
        // Discovery runs may probe one port with two modules (-PS80 -PA80; echo and timestamp
        // both use port 0): find the column of this module. From here on the column's module
        // is the reply's.
        column = -1;
        for (std::size_t c = 0; only_module_ == nullptr && c < columns_.size(); ++c) {
            if (columns_[c].port == r.reply.port && columns_[c].module == r.module) {
                column = static_cast<std::int32_t>(c);
                break;
            }
        }
    }
    if (!hit || column < 0) {
        ++counters_.replies_not_sent;
        return;
    }
    if (options_.ping && options_.ignore_rst && r.reply.response.kind == ResponseKind::rst) {
        return;  // --discovery-ignore-rst: as if nothing came back
    }
    const std::size_t h = *hit;
    const auto cell_index = static_cast<std::uint32_t>(h * columns_.size() + static_cast<std::size_t>(column));
    RawCell& cell = cells_[cell_index];
    if (cell.skipped || r.reply.tryno >= cell.tries) {
        ++counters_.replies_not_sent;
        return;  // not a probe this run sent
    }
    ++counters_.replies_matched;
    HostSlot& host = hosts_[h];
    const Verdict verdict = classify(r.module->technique(), r.reply.response);
    if (verdict.host_up && !host.up) {
        host.up = true;
        host.up_reason = verdict.reason;
        host.up_ttl = r.reply.ttl;
        host.up_column = static_cast<std::uint16_t>(column);
    }
    if (cell.done || host.finished) {
        ++counters_.replies_late;
        return;
    }
    if (!verdict.resolved) {
        return;
    }
    const bool latest = r.reply.tryno + 1 == cell.tries;
    std::optional<microseconds> sample;
    const auto sent_at = run_start_ + microseconds(cell.sent_us);
    if (latest) {
        sample = duration_cast<microseconds>(r.at - sent_at);
        cell.rtt_us = static_cast<std::uint32_t>(std::max<long long>(sample->count(), 1));
    }
    const bool icmp_error = r.reply.response.kind == ResponseKind::icmp;
    host.control.on_reply(r.at, cell.counted, icmp_error, sent_at, sample);
    if (sample) {
        group_rtt_.sample(*sample);
        group_sampled_ = true;
    }
    cell.ttl = r.reply.ttl;
    if (!reply_facts_.empty()) {
        reply_facts_[cell_index] = {r.reply.ip_id.value_or(0), r.reply.tcp_window, r.reply.tcp_options};
    }
    if (r.reply.responder != r.reply.target) {
        reason_ips_.emplace(cell_index, r.reply.responder);
    }
    settle(cell_index, verdict.state, verdict.reason);
    if (options_.ping && verdict.host_up) {
        finish_host(h);  // discovery: one reply proving the host up is enough
    }
}

void RawRun::handle_timeouts(Clock::time_point now) {
    for (std::size_t h = 0; h < hosts_.size(); ++h) {
        HostSlot& host = hosts_[h];
        const auto timeout = timeout_of(host);
        while (host.out_head != kNone) {
            const Outstanding& o = pool_[host.out_head];
            RawCell& cell = cells_[o.cell];
            const bool live = !cell.done && o.tryno + 1 == cell.tries && !host.finished;
            if (live && now < o.sent + timeout) {
                break;
            }
            const std::uint32_t cell_index = o.cell;
            const Clock::time_point sent = o.sent;
            out_pop(host);
            if (!live) {
                continue;  // answered, superseded or host finished
            }
            const auto silence = host.control.on_timeout(now, cell.counted, sent);
            if (silence != HostControl::Silence::retry_uncounted) {
                ++cell.counted;
            }
            if (silence == HostControl::Silence::settle || cell.tries >= options_.max_sends_per_cell) {
                const Verdict v = classify(columns_[cell_index % columns_.size()].module->technique(), Response{});
                settle(cell_index, v.state, v.reason);
                continue;
            }
            if (!cell.queued) {
                queue_push(host, cell_index, true);  // retries go before new cells of the host
            }
            mark_ready(h);
        }
    }
}

void RawRun::check_host_timeouts(Clock::time_point now) {
    if (timing_.host_timeout.count() <= 0) {
        return;
    }
    for (std::size_t h = 0; h < hosts_.size(); ++h) {
        HostSlot& host = hosts_[h];
        if (host.finished || !host.control.timed_out(now)) {
            continue;
        }
        host.timed_out = true;
        if (host.control.pace_mode() != PaceMode::none) {
            // The time budget ran out while the host's rate limit held answers back: what is
            // unconfirmed is said so, never guessed. UDP: closed|filtered (an error the limiter
            // held back); FIN/NULL/Xmas/Maimon: open|filtered (silence or a held-back error,
            // never closed: a RST is not rate-limited).
            for (std::size_t c = 0; c < columns_.size(); ++c) {
                const auto i = static_cast<std::uint32_t>(h * columns_.size() + c);
                if (!cells_[i].done && !cells_[i].skipped) {
                    const bool udp = columns_[c].module->technique() == Technique::udp;
                    settle(i, udp ? PortState::closed_filtered : PortState::open_filtered, Reason::rate_limited);
                }
            }
        }
        finish_host(h);
    }
}

Clock::time_point RawRun::next_wakeup(Clock::time_point now) const {
    Clock::time_point wake = now + milliseconds(20);
    for (const HostSlot& host : hosts_) {
        if (host.finished) {
            continue;
        }
        if (host.out_head != kNone) {
            wake = std::min(wake, pool_[host.out_head].sent + timeout_of(host));
        }
        if (!host.queue_empty() && (!host.control.window_full(now) || host.control.pace_mode() == PaceMode::measuring)) {
            wake = std::min(wake, host.control.next_send_time());
        }
    }
    return std::max(wake, now);
}

RawRun::Result RawRun::run(const RawRunHooks& hooks, std::stop_token stop) {
    hooks_ = &hooks;
    run_start_ = Clock::now();
    rate_ = SendRate(timing_.max_rate, timing_.min_rate, run_start_);
    if (options_.helper_sender && cells_.size() >= 4 * frame_views_.size()) {
        helper_ = std::make_unique<HelperSender>(io_);
    }
    hosts_left_ = hosts_.size();
    Result result;
    // Hosts with nothing to scan in this shard/resume slice are finished at once.
    for (std::size_t h = 0; h < hosts_.size(); ++h) {
        if (hosts_[h].remaining == 0) {
            finish_host(h, false);  // nothing of it in this shard / resumed slice: not reported
        }
    }
    std::vector<CapturedReply> replies;
    auto last_tick = run_start_;
    bool all_sent_told = false;
    const std::uint64_t positions = cells_.size();
    while (hosts_left_ > 0 && fatal_.empty()) {
        if (stop.stop_requested()) {
            result.stopped = true;
            break;
        }
        auto now = Clock::now();
        replies.clear();
        io_.take_replies(replies, now);
        handle_replies(replies);
        now = Clock::now();
        handle_timeouts(now);
        check_host_timeouts(now);
        if (auto err = io_.receive_error(); !err.empty()) {
            fatal_ = err;
            break;
        }

        // Sending budget for this round (--max-rate); below --min-rate, windows are ignored.
        const std::size_t budget = rate_.take(now, options_.batch);
        const bool behind_min_rate = rate_.behind(now, counters_.probes_sent);
        std::size_t sent_now = 0;

        // 1. Queued cells (retries first) of hosts that may send now, a fair share each.
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
        // 2. New cells in permutation order.
        std::size_t parked = 0;
        while (sent_now < budget && next_position_ < positions && parked < kMaxBacklogPerRound) {
            // Cells are visited in permutation order, so each (and its column's entries, read by
            // send_cell) is a cache miss: ask for those kPrefetchAhead positions on meanwhile.
            if (next_position_ + kPrefetchAhead < positions) {
                const std::uint32_t ahead = cell_at(next_position_ + kPrefetchAhead);
                const std::size_t column = ahead % columns_.size();
                __builtin_prefetch(&cells_[ahead]);
                __builtin_prefetch(&columns_[column]);
                __builtin_prefetch(&templates_.index[column * 2]);
            }
            const std::uint32_t c = cell_at(next_position_++);
            RawCell& cell = cells_[c];
            const std::size_t h = c / columns_.size();
            HostSlot& host = hosts_[h];
            if (cell.skipped || cell.done) {
                continue;
            }
            if (host.finished) {
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
        if (pending_frames_ > 0) {
            flush_sends();
        }
        if (next_position_ >= positions && hooks.all_sent && !all_sent_told) {
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

// RawRun: matching replies to cells, time-outs and retries, host time-outs, the next wake-up.
#include "engine/raw/raw_run.hpp"

#include <algorithm>

namespace portwarden::engine {

using std::chrono::duration_cast;
using std::chrono::microseconds;
using std::chrono::milliseconds;

void RawRun::handle_replies(const std::vector<CapturedReply>& replies) {
    // Each reply reads column_of_port_ (256 KB) and then its cell (cells_, 20 bytes a port, in
    // no useful order, and its reply facts): all miss the cache, which the kernel's packet work keeps cold. Asking
    // for all of a batch's first, then all of their cells, lets those misses overlap.
    reply_hosts_.clear();
    for (const auto& r : replies) {
        __builtin_prefetch(&column_of_port_[r.reply.port]);
        reply_hosts_.push_back(find_host(r.reply.target));
    }
    for (std::size_t i = 0; i < replies.size(); ++i) {
        const std::int32_t column = column_of_port_[replies[i].reply.port];
        if (column >= 0 && reply_hosts_[i]) {
            const std::size_t cell = *reply_hosts_[i] * columns_.size() + static_cast<std::size_t>(column);
            __builtin_prefetch(&cells_[cell]);
            if (!reply_facts_.empty()) {
                __builtin_prefetch(&reply_facts_[cell], 1);  // written by handle_reply (responder facts)
            }
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
        if (options_.sweep) {
            unpark_host(h);  // its silent first tries were loss (or filters): retried as usual
        }
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
    walk_all_ = true;  // time-outs may have shrunk: look at every host once
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
    if (options_.sweep) {
        sweep_evidence(r.reply.tryno);
    }
    settle(cell_index, verdict.state, verdict.reason);
    if (options_.ping && verdict.host_up && !options_.sweep) {
        finish_host(h);  // discovery: one reply proving the host up is enough
    }
}

void RawRun::handle_timeouts(Clock::time_point now) {
    if (walk_all_) {
        walk_all_ = false;
        for (std::size_t h = 0; h < hosts_.size() && in_flight_ > 0; ++h) {
            if (hosts_[h].out_head != kNone) {
                expire_host(h, now, false);
            }
        }
        return;
    }
    while (!due_.empty() && due_.top().when <= now) {
        const Due due = due_.top();
        due_.pop();
        HostSlot& host = hosts_[due.host];
        if (host.due_pending && due.when == host.due_at) {
            host.due_pending = false;  // its earliest entry: expire_host schedules the next
        }
        expire_host(due.host, now, true);
    }
}

// A deadline for host h; nothing when the host already has an entry at or before it (one
// entry per probe made the heap as big as the probes in flight: 65 535 for a -p- of one host).
void RawRun::schedule_due(std::size_t h, Clock::time_point when) {
    HostSlot& host = hosts_[h];
    if (host.due_pending && host.due_at <= when) {
        return;
    }
    host.due_pending = true;
    host.due_at = when;
    due_.push(Due{when, static_cast<std::uint32_t>(h)});
}

// Host h's probes in flight that are due (or answered, superseded): retried, parked or settled.
// from_heap: its heap entry was taken, so the first probe not yet due gets one.
void RawRun::expire_host(std::size_t h, Clock::time_point now, bool from_heap) {
    HostSlot& host = hosts_[h];
    const auto timeout = timeout_of(host);
    while (host.out_head != kNone) {
        const Outstanding& o = pool_[host.out_head];
        if (o.next != kNone) {
            __builtin_prefetch(&cells_[pool_[o.next].cell]);  // the next probe's cell, a cache miss
        }
        RawCell& cell = cells_[o.cell];
        const bool live = !cell.done && o.tryno + 1 == cell.tries && !host.finished;
        if (live && now < o.sent + timeout) {
            if (from_heap) {
                schedule_due(h, o.sent + timeout);
            }
            return;
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
        if (park(cell_index, host)) {
            continue;
        }
        if (!cell.queued) {
            queue_push(host, cell_index, true);  // retries go before new cells of the host
        }
        mark_ready(h);
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

// The first time-out due or the first queued send a host may make; every host with
// cells queued is in ready_.
Clock::time_point RawRun::next_wakeup(Clock::time_point now) const {
    Clock::time_point wake = now + milliseconds(20);
    if (walk_all_) {
        wake = now;
    } else if (!due_.empty()) {
        wake = std::min(wake, due_.top().when);
    }
    for (const std::uint32_t h : ready_) {
        const HostSlot& host = hosts_[h];
        if (host.finished) {
            continue;
        }
        if (!host.queue_empty() && (!host.control.window_full(now) || host.control.pace_mode() == PaceMode::measuring)) {
            wake = std::min(wake, host.control.next_send_time());
        }
    }
    return std::max(wake, now);
}

}  // namespace portwarden::engine

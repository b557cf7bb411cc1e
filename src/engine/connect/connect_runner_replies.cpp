// A connect worker's settling of probes: completions, ICMP errors, time-outs, host time-outs.
#include "engine/connect/connect_runner.hpp"

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <limits>

#include "io/connect_socket.hpp"

namespace portwarden::engine::connect_worker {

using std::chrono::microseconds;

void Runner::complete(std::uint64_t token) {
    const auto slot_index = static_cast<std::uint32_t>(token);
    if (slot_index >= slots_.size() || slots_.at(slot_index).generation == 0) {
        return;  // no probe in flight on this socket (a wake-up from its reset)
    }
    const int status = io::finish_status(slots_.at(slot_index).fd);
    if (status < 0) {
        return;  // still connecting (spurious wake-up)
    }
    trace_finish(slots_.at(slot_index), status, clock::now());
    settle_slot(slot_index, status, clock::now());
}

void Runner::trace_finish(const Slot& slot, int status, clock::time_point now) const {
    s_.options.trace.connect_result(s_.hosts.at(slot.work.host).address, s_.ports[slot.work.port_index], status, now);
}

// The verdict of an ICMP error the kernel queued for this probe's socket, if any.
std::optional<Verdict> Runner::icmp_verdict(const Slot& slot, std::optional<Address>& reason_ip) const {
    const auto icmp = io::read_icmp_error(slot.fd);
    if (!icmp) {
        return std::nullopt;
    }
    const Address& target = s_.hosts.at(slot.work.host).address;
    Response r;
    r.kind = ResponseKind::icmp;
    r.icmp_version = icmp->version;
    r.icmp_type = icmp->type;
    r.icmp_code = icmp->code;
    r.from_target = !icmp->offender || *icmp->offender == target;
    const Verdict v = classify(Technique::connect, r);
    if (!v.resolved) {
        return std::nullopt;
    }
    if (!r.from_target) {
        reason_ip = icmp->offender;
    }
    return v;
}

Verdict Runner::verdict_for(const Slot& slot, int status, std::optional<Address>& reason_ip) const {
    if (status == 0) {
        if (io::is_self_connect(slot.fd)) {
            return Verdict{};  // simultaneous open with ourselves: try again from another port
        }
        return classify_connect_errno(0);
    }
    if (const auto v = icmp_verdict(slot, reason_ip)) {
        return *v;
    }
    return classify_connect_errno(status);
}

void Runner::settle_slot(std::uint32_t slot_index, int status, clock::time_point now) {
    const Slot slot = slots_.at(slot_index);
    std::optional<Address> reason_ip;
    const Verdict v = verdict_for(slot, status, reason_ip);
    release(slot_index, status == 0);
    const Work& w = slot.work;
    HostControl& control = timing_state_.at(w.host).control;
    if (!v.resolved) {
        control.on_forget();
        requeue_local(w, status > 0 ? status : EAGAIN);
        return;
    }
    // Each try is a fresh connect() on a reset socket: the answer is this try's (Karn).
    const auto rtt = std::chrono::duration_cast<microseconds>(now - slot.sent);
    control.on_reply(now, w.tryno, false, slot.sent, rtt);
    record(w, v, static_cast<std::uint32_t>(std::max<std::int64_t>(rtt.count(), 1)), reason_ip);
}

void Runner::expire(clock::time_point now) {
    while (!deadlines_.empty() && deadlines_.top().when <= now) {
        const Deadline d = deadlines_.top();
        deadlines_.pop();
        const Slot& slot = slots_.at(d.slot);
        if (slot.generation != d.generation) {
            continue;
        }
        HostControl& control = timing_state_.at(slot.work.host).control;
        const auto due = slot.sent + control.timeout();
        if (due > now) {
            deadlines_.push(Deadline{due, d.slot, d.generation});  // the host's time-out is longer
            continue;
        }
        // A reply may have landed after the last epoll_wait: ask the socket before giving up.
        const int status = io::finish_status(slot.fd);
        if (status >= 0) {
            trace_finish(slot, status, now);
            settle_slot(d.slot, status, now);
            continue;
        }
        // An ICMP error that arrived while connect() still held the socket lock does not end
        // the connection (the kernel keeps it as a soft error), but it is queued: use it.
        std::optional<Address> reason_ip;
        if (const auto v = icmp_verdict(slot, reason_ip)) {
            const Work done = slot.work;
            const auto sent = slot.sent;
            const auto rtt = std::chrono::duration_cast<microseconds>(now - sent);
            release(d.slot, true);
            control.on_reply(now, done.tryno, true, sent, std::nullopt);
            record(done, *v, static_cast<std::uint32_t>(rtt.count()), reason_ip);
            continue;
        }
        Work w = slot.work;
        const auto sent = slot.sent;
        release(d.slot, true);
        if (control.on_timeout(now, w.tryno, sent) == HostControl::Silence::settle) {
            record(w, classify(Technique::connect, Response{}), 0, std::nullopt);
        } else {
            ++w.tryno;
            w.local_retries = 0;
            timing_state_.at(w.host).retries.push_back(w);
            ++retries_total_;
        }
    }
}

void Runner::check_host_timeouts(clock::time_point now) {
    if (s_.timing.host_timeout.count() <= 0) {
        return;
    }
    for (std::size_t h = 0; h < s_.hosts.size(); ++h) {
        WorkerHost& wh = s_.of(worker_, h);
        if (!wh.closed && timing_state_.at(h).control.timed_out(now)) {
            wh.timed_out = true;
            close_host(h);  // unsettled cells stay out of the result (state unknown)
        }
    }
}

void Runner::record(const Work& w, const Verdict& v, std::uint32_t rtt_us, const std::optional<Address>& reason_ip) {
    WorkerHost& wh = s_.of(worker_, w.host);
    Settled& cell = s_.hosts.at(w.host).ports.at(w.port_index);
    if (wh.closed || cell.done) {
        return;
    }
    cell.done = true;
    cell.state = v.state;
    cell.reason = v.reason;
    cell.host_up = v.host_up;
    cell.rtt_us = rtt_us;
    if (reason_ip) {
        cell.has_reason_ip = true;
        cell.reason_ip = *reason_ip;
    }
    s_.settled.fetch_add(1, std::memory_order_relaxed);
    if (v.state == PortState::open) {
        s_.open.fetch_add(1, std::memory_order_relaxed);
    }
    if (v.host_up && !wh.up) {
        wh.up = true;
        wh.up_reason = v.reason;
    }
    --wh.remaining;
    if (wh.remaining == 0 || (s_.options.mode == RunMode::ping && wh.up)) {
        close_host(w.host);  // in ping mode, one proof of life is enough
    }
}

// This worker is done with host h: drop its probes still queued or in flight, hand over.
void Runner::close_host(std::size_t h) {
    WorkerHost& wh = s_.of(worker_, h);
    if (wh.closed) {
        return;
    }
    wh.closed = true;
    for (std::uint32_t i = 0; i < slots_.size(); ++i) {
        if (slots_[i].generation != 0 && slots_[i].work.host == h) {
            release(i, true);
        }
    }
    HostTiming& t = timing_state_.at(h);
    retries_total_ -= t.retries.size();
    t.retries.clear();
    if (const auto srtt = t.control.srtt()) {
        wh.srtt_us = static_cast<std::uint32_t>(srtt->count());
    }
    --open_hosts_;
    s_.worker_done_with(h);
}

}  // namespace portwarden::engine::connect_worker

#include "engine/connect/connect_run.hpp"

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <deque>
#include <limits>
#include <memory>
#include <mutex>
#include <queue>
#include <thread>

#include "engine/host_control.hpp"
#include "engine/connect/run_shared.hpp"
#include "io/connect_socket.hpp"
#include "targets/permutation.hpp"

namespace portwarden::engine {
namespace {

using clock = std::chrono::steady_clock;
using std::chrono::microseconds;

constexpr int max_local_retries = 200;  // fd/port exhaustion: back off 5 ms and try again
// Probes started per loop round before replies are harvested again: keeps RTT samples free of
// our own queueing, and the number of sockets (each one costly to set up) small.
constexpr std::size_t launches_per_round = 256;
constexpr auto tick_interval = std::chrono::milliseconds(250);
constexpr std::uint64_t cells_per_extra_worker = 4096;
constexpr unsigned max_workers = 4;

struct Work {
    std::uint32_t host = 0;
    std::uint32_t port_index = 0;
    std::uint8_t tryno = 0;
    std::uint8_t local_retries = 0;
};

// A probe socket, reused probe after probe (socket set-up and epoll registration are the
// costly part of a connect probe). `generation` != 0 while a probe is in flight on it.
struct Slot {
    int fd = -1;
    Family family = Family::v4;
    std::uint32_t generation = 0;
    Work work;
    clock::time_point sent;
};

struct Deadline {
    clock::time_point when;
    std::uint32_t slot = 0;
    std::uint32_t generation = 0;
    bool operator>(const Deadline& other) const { return when > other.when; }
};

// A worker's view of a host: its own controller (window, time-out, retries, host time-out; the
// one the raw engine uses) over this worker's share of the host's ports.
struct HostTiming {
    HostTiming(const Timing& timing, const HostTuning& tuning) : control(timing, tuning) {}
    HostControl control;
    std::deque<Work> retries;  // retransmissions (and local-error retries): sent before new probes
    std::uint64_t cursor = 0;  // next position in this host's walk of the port order
};

// One worker: its own epoll set, sockets and per-host controllers, over the cells whose port
// index is congruent to its number modulo the worker count. Each host walks the port list in a
// keyed random order (from its own starting point); hosts are served round-robin, each within
// its own window, so a silent host never holds up the others. --max-rate and --min-rate are the
// run's, shared by the workers (Shared::rate).
class Runner {
public:
    Runner(Shared& shared, unsigned worker, std::size_t budget) : s_(shared), worker_(worker) {
        std::size_t limit = std::min<std::size_t>(budget, 16384);
        if (s_.timing.max_parallelism > 0) {
            limit = std::min(limit, std::max<std::size_t>(
                                        static_cast<std::size_t>(s_.timing.max_parallelism) / s_.workers, 1));
        }
        global_limit_ = std::max<std::size_t>(limit, 1);
        HostTuning tuning = HostTuning::from(s_.timing, false);
        tuning.max_cwnd = std::min(tuning.max_cwnd, static_cast<double>(global_limit_));
        tuning.initial_cwnd = std::min(tuning.initial_cwnd, tuning.max_cwnd);
        slots_.resize(global_limit_);
        for (std::size_t i = global_limit_; i > 0; --i) {
            free_slots_.push_back(static_cast<std::uint32_t>(i - 1));
        }
        timing_state_.reserve(s_.hosts.size());
        for (std::size_t i = 0; i < s_.hosts.size(); ++i) {
            timing_state_.emplace_back(s_.timing, tuning);
        }
        const auto n_ports = static_cast<std::uint32_t>(s_.ports.size());
        const std::uint32_t mine = n_ports > worker ? (n_ports - worker + s_.workers - 1) / s_.workers : 0;
        for (std::size_t h = 0; h < s_.hosts.size(); ++h) {
            s_.of(worker_, h).remaining = mine;
        }
        open_hosts_ = s_.hosts.size();
    }

    void run(const std::stop_token& stop, bool ticks) {
        epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
        if (epoll_fd_ < 0) {
            set_fatal(std::string("epoll_create1: ") + std::strerror(errno));
            return;
        }
        for (std::size_t h = 0; h < s_.hosts.size(); ++h) {
            if (s_.of(worker_, h).remaining == 0) {
                close_host(h);
            }
        }
        auto last_tick = clock::now();
        std::array<epoll_event, 1024> events{};
        while (open_hosts_ > 0 && !stop.stop_requested() && !s_.abort.load(std::memory_order_relaxed)) {
            const bool more_ready = fill();
            const int n = epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()),
                                     more_ready ? 0 : wait_time_ms());
            if (n < 0 && errno != EINTR) {
                set_fatal(std::string("epoll_wait: ") + std::strerror(errno));
                break;
            }
            for (int i = 0; i < n; ++i) {
                complete(events.at(static_cast<std::size_t>(i)).data.u64);
            }
            expire(clock::now());
            check_host_timeouts(clock::now());
            if (ticks && s_.hooks.tick && clock::now() - last_tick >= tick_interval) {
                last_tick = clock::now();
                s_.hooks.tick(snapshot(s_));
            }
        }
        for (Slot& slot : slots_) {
            io::abort_close(slot.fd);
            slot.fd = -1;
        }
        ::close(epoll_fd_);
    }

    static RunCounters snapshot(const Shared& s) {
        RunCounters c;
        c.probes_sent = s.probes_sent.load(std::memory_order_relaxed);
        c.retransmissions = s.retransmissions.load(std::memory_order_relaxed);
        c.settled = s.settled.load(std::memory_order_relaxed);
        c.open = s.open.load(std::memory_order_relaxed);
        return c;
    }

private:
    void set_fatal(std::string message) {
        const std::lock_guard lock(s_.fatal_mutex);
        if (s_.fatal.empty()) {
            s_.fatal = std::move(message);
        }
        s_.abort.store(true, std::memory_order_relaxed);
    }

    int wait_time_ms() const {
        const auto now = clock::now();
        auto next = now + std::chrono::milliseconds(50);
        if (!deadlines_.empty()) {
            next = std::min(next, deadlines_.top().when);
        }
        if (retries_total_ > 0 || s_.timing.scan_delay.count() > 0) {
            next = std::min(next, now + std::chrono::milliseconds(5));
        }
        next = std::min(next, s_.rate.next_token(now));  // --max-rate: the next token
        const auto delta = std::chrono::duration_cast<std::chrono::milliseconds>(next - now);
        return static_cast<int>(std::clamp<std::int64_t>(delta.count() + 1, 0, 50));
    }

    bool host_closed(std::uint32_t h) const { return s_.of(worker_, h).closed; }

    // The next new cell of host h for this worker, if any.
    std::optional<Work> next_work(std::uint32_t h) {
        HostTiming& t = timing_state_.at(h);
        const std::uint64_t n_ports = s_.ports.size();
        const std::uint64_t offset = s_.options.randomize ? (std::uint64_t{h} * 7919) % n_ports : 0;
        while (t.cursor < n_ports) {
            const std::uint64_t step = (t.cursor++ + offset) % n_ports;
            const auto port_index = static_cast<std::uint32_t>(s_.options.randomize ? s_.order(step) : step);
            if (port_index % s_.workers == worker_) {
                return Work{h, port_index, 0, 0};
            }
        }
        return std::nullopt;
    }

    // Starts probes, one per host per pass (retries first), until the round's budget is spent
    // or no host may send. True when it stopped on the budget: more could go out at once.
    bool fill() {
        const auto now = clock::now();
        const std::size_t limit = std::min(global_limit_, in_flight_ + launches_per_round);
        const auto n_hosts = static_cast<std::uint32_t>(s_.hosts.size());
        if (now < backoff_until_ || in_flight_ >= limit) {
            return false;
        }
        // --max-rate: every probe takes a token (also one that settles at once).
        const std::size_t wanted = s_.rate.limited() ? launches_per_round : std::numeric_limits<std::size_t>::max();
        const std::size_t tokens = s_.rate.take(now, wanted);
        const bool behind_min_rate = s_.rate.behind(now, s_.probes_sent.load(std::memory_order_relaxed));
        std::size_t sent = 0;
        bool launched = true;
        while (launched && in_flight_ < limit && now >= backoff_until_ && sent < tokens) {
            launched = false;
            for (std::uint32_t step = 0; step < n_hosts && in_flight_ < limit && now >= backoff_until_ && sent < tokens;
                 ++step) {
                const std::uint32_t h = next_host_;
                next_host_ = (next_host_ + 1) % n_hosts;
                HostTiming& t = timing_state_.at(h);
                if (host_closed(h) || !t.control.may_send(now, behind_min_rate)) {
                    continue;
                }
                std::optional<Work> w;
                if (!t.retries.empty()) {
                    w = t.retries.front();
                    t.retries.pop_front();
                    --retries_total_;
                } else {
                    w = next_work(h);
                }
                if (w) {
                    if (launch(*w, now)) {
                        ++sent;
                    }
                    launched = true;
                }
            }
        }
        s_.rate.refund(tokens - sent);
        return in_flight_ >= limit && limit < global_limit_;
    }

    // Sends one probe; false when it did not go out (a local error: queued again).
    bool launch(const Work& w, clock::time_point now) {
        const HostRun& host = s_.hosts.at(w.host);
        if (host_closed(w.host)) {
            return false;
        }
        const std::uint32_t slot_index = free_slots_.back();
        if (!ensure_socket(slot_index, host.address.family())) {
            requeue_local(w, errno);
            return false;
        }
        const io::ConnectStart start =
            io::start_connect(slots_.at(slot_index).fd, host.address, s_.ports[w.port_index]);
        if (start.status == io::ConnectStatus::local_error) {
            recycle(slot_index, true);
            requeue_local(w, start.error);
            return false;
        }
        s_.options.trace.connect_result(host.address, s_.ports[w.port_index],
                                        start.status == io::ConnectStatus::done ? start.error : EINPROGRESS, now);
        s_.probes_sent.fetch_add(1, std::memory_order_relaxed);
        if (w.tryno > 0) {
            s_.retransmissions.fetch_add(1, std::memory_order_relaxed);
        }
        HostControl& control = timing_state_.at(w.host).control;
        free_slots_.pop_back();
        Slot& slot = slots_.at(slot_index);
        if (++generation_ == 0) {
            ++generation_;  // 0 marks an idle slot
        }
        slot.generation = generation_;
        slot.work = w;
        slot.sent = now;
        ++in_flight_;
        control.on_send(now);
        if (start.status == io::ConnectStatus::done) {
            settle_slot(slot_index, start.error, now);
            return true;
        }
        // First look at the shortest time-out; expire() then holds the probe to the host's time-out
        // as it stands at that moment (as nmap does), so probes sent before the first RTT sample
        // do not keep the long initial time-out.
        const auto first_check =
            std::min(control.timeout(), std::max(s_.timing.min_rtt_timeout, microseconds(1000)));
        deadlines_.push(Deadline{now + first_check, slot_index, slot.generation});
        return true;
    }

    // Gives slot `slot_index` an open, epoll-registered socket of `family`.
    bool ensure_socket(std::uint32_t slot_index, Family family) {
        Slot& slot = slots_.at(slot_index);
        if (slot.fd >= 0 && slot.family == family) {
            return true;
        }
        io::abort_close(slot.fd);
        slot.fd = io::open_probe_socket(family);
        if (slot.fd < 0) {
            return false;
        }
        slot.family = family;
        epoll_event ev{};
        // Edge-triggered: every state change of the socket (answer, error) wakes us once.
        ev.events = EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLET;
        ev.data.u64 = slot_index;
        if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, slot.fd, &ev) != 0) {
            const int err = errno;
            io::abort_close(slot.fd);
            slot.fd = -1;
            errno = err;
            return false;
        }
        return true;
    }

    // Makes an idle slot's socket ready for the next probe (or drops it if that fails).
    void recycle(std::uint32_t slot_index, bool drain) {
        Slot& slot = slots_.at(slot_index);
        if (slot.fd >= 0 && !io::reset_for_reuse(slot.fd)) {
            io::abort_close(slot.fd);
            slot.fd = -1;
        }
        if (slot.fd >= 0 && drain) {
            io::drain_errors(slot.fd);
        }
    }

    // Ends the probe in flight on a slot (the caller tells the host's controller how).
    // `drain`: its socket error was not read (time-out, success), so clear it before the socket
    // probes again.
    void release(std::uint32_t slot_index, bool drain) {
        Slot& slot = slots_.at(slot_index);
        recycle(slot_index, drain);
        slot.generation = 0;
        free_slots_.push_back(slot_index);
        --in_flight_;
    }

    void requeue_local(Work w, int err) {
        if (w.local_retries >= max_local_retries) {
            set_fatal(std::string("cannot open a socket: ") + std::strerror(err));
            return;
        }
        ++w.local_retries;
        backoff_until_ = std::max(backoff_until_, clock::now() + std::chrono::milliseconds(5));
        // Fewer sockets at once: the system is short of them.
        global_limit_ = std::max<std::size_t>(in_flight_ > 16 ? in_flight_ - in_flight_ / 4 : 16, 16);
        timing_state_.at(w.host).retries.push_back(w);
        ++retries_total_;
    }

    void complete(std::uint64_t token) {
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

    void trace_finish(const Slot& slot, int status, clock::time_point now) const {
        s_.options.trace.connect_result(s_.hosts.at(slot.work.host).address, s_.ports[slot.work.port_index], status,
                                        now);
    }

    // The verdict of an ICMP error the kernel queued for this probe's socket, if any.
    std::optional<Verdict> icmp_verdict(const Slot& slot, std::optional<Address>& reason_ip) const {
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

    Verdict verdict_for(const Slot& slot, int status, std::optional<Address>& reason_ip) const {
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

    void settle_slot(std::uint32_t slot_index, int status, clock::time_point now) {
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

    void expire(clock::time_point now) {
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

    void check_host_timeouts(clock::time_point now) {
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

    void record(const Work& w, const Verdict& v, std::uint32_t rtt_us, const std::optional<Address>& reason_ip) {
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
    void close_host(std::size_t h) {
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

    Shared& s_;
    unsigned worker_;
    int epoll_fd_ = -1;
    std::size_t global_limit_ = 1;
    clock::time_point backoff_until_{};  // local errors (fd or port exhaustion): wait
    std::vector<Slot> slots_;
    std::vector<std::uint32_t> free_slots_;
    std::vector<HostTiming> timing_state_;
    std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>> deadlines_;
    std::uint32_t next_host_ = 0;
    std::size_t retries_total_ = 0;
    std::size_t in_flight_ = 0;
    std::size_t open_hosts_ = 0;
    std::uint32_t generation_ = 0;
};

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

// A connect worker's loop and the starting of probes (sockets, windows, retries first).
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

namespace {

using std::chrono::microseconds;

constexpr int max_local_retries = 200;  // fd/port exhaustion: back off 5 ms and try again
// Probes started per loop round before replies are harvested again: keeps RTT samples free of
// our own queueing, and the number of sockets (each one costly to set up) small.
constexpr std::size_t launches_per_round = 256;
constexpr auto tick_interval = std::chrono::milliseconds(250);

}  // namespace

Runner::Runner(Shared& shared, unsigned worker, std::size_t budget) : s_(shared), worker_(worker) {
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

void Runner::run(const std::stop_token& stop, bool ticks) {
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

RunCounters Runner::snapshot(const Shared& s) {
    RunCounters c;
    c.probes_sent = s.probes_sent.load(std::memory_order_relaxed);
    c.retransmissions = s.retransmissions.load(std::memory_order_relaxed);
    c.settled = s.settled.load(std::memory_order_relaxed);
    c.open = s.open.load(std::memory_order_relaxed);
    return c;
}

void Runner::set_fatal(std::string message) {
    const std::lock_guard lock(s_.fatal_mutex);
    if (s_.fatal.empty()) {
        s_.fatal = std::move(message);
    }
    s_.abort.store(true, std::memory_order_relaxed);
}

int Runner::wait_time_ms() const {
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

// The next new cell of host h for this worker, if any.
std::optional<Work> Runner::next_work(std::uint32_t h) {
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
bool Runner::fill() {
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
bool Runner::launch(const Work& w, clock::time_point now) {
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
bool Runner::ensure_socket(std::uint32_t slot_index, Family family) {
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
void Runner::recycle(std::uint32_t slot_index, bool drain) {
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
void Runner::release(std::uint32_t slot_index, bool drain) {
    Slot& slot = slots_.at(slot_index);
    recycle(slot_index, drain);
    slot.generation = 0;
    free_slots_.push_back(slot_index);
    --in_flight_;
}

void Runner::requeue_local(Work w, int err) {
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

}  // namespace portwarden::engine::connect_worker

#include "engine/connect_run.hpp"

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <deque>
#include <queue>

#include "engine/rtt.hpp"
#include "io/connect_socket.hpp"
#include "targets/permutation.hpp"

namespace portwarden::engine {
namespace {

using clock = std::chrono::steady_clock;
using std::chrono::microseconds;

constexpr int max_local_retries = 50;          // fd/port exhaustion: wait and try again
constexpr double initial_window = 64;
constexpr auto tick_interval = std::chrono::milliseconds(250);

struct Work {
    std::uint32_t host = 0;
    std::uint32_t port_index = 0;
    std::uint8_t tryno = 0;
    std::uint8_t local_retries = 0;
};

struct Slot {
    int fd = -1;
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

struct HostTiming {
    explicit HostTiming(const Timing& timing) : rtt(timing) {}
    RttEstimator rtt;
    std::uint32_t in_flight = 0;
    double window = initial_window;
    int max_successful_tryno = 0;
    clock::time_point next_send{};
    std::deque<Work> waiting;  // probes (new or retries) held back by this host's window
};

class Runner {
public:
    Runner(std::vector<HostRun>& hosts, std::span<const std::uint16_t> ports, RunMode mode,
           const Timing& timing, bool randomize, std::uint64_t seed, std::size_t budget,
           const RunHooks& hooks)
        : hosts_(hosts), ports_(ports), mode_(mode), timing_(timing), randomize_(randomize),
          order_(hosts.size() * ports.size(), seed), hooks_(hooks) {
        std::size_t limit = std::min<std::size_t>(budget, 16384);
        if (timing.max_parallelism > 0) {
            limit = std::min(limit, static_cast<std::size_t>(timing.max_parallelism));
        }
        global_limit_ = std::max<std::size_t>(limit, 1);
        max_window_ = static_cast<double>(global_limit_);
        slots_.resize(global_limit_);
        free_slots_.reserve(global_limit_);
        for (std::size_t i = global_limit_; i > 0; --i) {
            free_slots_.push_back(static_cast<std::uint32_t>(i - 1));
        }
        timing_state_.reserve(hosts.size());
        for (std::size_t i = 0; i < hosts.size(); ++i) {
            timing_state_.emplace_back(timing);
        }
    }

    RunResult run(std::stop_token stop) {
        RunResult result;
        epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
        if (epoll_fd_ < 0) {
            result.fatal_error = std::string("epoll_create1: ") + std::strerror(errno);
            return result;
        }
        for (std::size_t h = 0; h < hosts_.size(); ++h) {
            hosts_[h].remaining = static_cast<std::uint32_t>(ports_.size());
            hosts_[h].start = clock::now();
            if (ports_.empty()) {
                finish_host(h);
            }
        }
        auto last_tick = clock::now();
        std::array<epoll_event, 1024> events{};
        while (unsettled_hosts() > 0 && fatal_.empty()) {
            if (stop.stop_requested()) {
                result.stopped = true;
                break;
            }
            fill();
            if (in_flight_ == 0 && !has_sendable_work()) {
                if (!has_any_work()) {
                    break;  // nothing left: every port settled
                }
            }
            const int wait_ms = wait_time_ms();
            const int n = epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), wait_ms);
            if (n < 0 && errno != EINTR) {
                fatal_ = std::string("epoll_wait: ") + std::strerror(errno);
                break;
            }
            for (int i = 0; i < n; ++i) {
                complete(events.at(static_cast<std::size_t>(i)).data.u64);
            }
            expire(clock::now());
            check_host_timeouts(clock::now());
            if (clock::now() - last_tick >= tick_interval && hooks_.tick) {
                last_tick = clock::now();
                hooks_.tick(counters_);
            }
        }
        close_all();
        ::close(epoll_fd_);
        result.counters = counters_;
        result.fatal_error = fatal_;
        return result;
    }

private:
    std::size_t unsettled_hosts() const { return hosts_.size() - finished_hosts_; }

    bool has_any_work() const {
        if (next_index_ < order_.size() || in_flight_ > 0) {
            return true;
        }
        return std::any_of(timing_state_.begin(), timing_state_.end(),
                           [](const HostTiming& t) { return !t.waiting.empty(); });
    }

    bool has_sendable_work() const { return next_index_ < order_.size() || waiting_total_ > 0; }

    int wait_time_ms() const {
        auto next = clock::now() + std::chrono::milliseconds(50);
        if (!deadlines_.empty()) {
            next = std::min(next, deadlines_.top().when);
        }
        if (waiting_total_ > 0) {
            next = std::min(next, clock::now() + std::chrono::milliseconds(5));
        }
        const auto delta = std::chrono::duration_cast<std::chrono::milliseconds>(next - clock::now());
        return static_cast<int>(std::clamp<std::int64_t>(delta.count() + 1, 0, 50));
    }

    Work work_at(std::uint64_t index) const {
        const std::uint64_t pos = randomize_ ? order_(index) : index;
        const std::uint64_t n_ports = ports_.size();
        Work w;
        w.host = static_cast<std::uint32_t>(pos / n_ports);
        w.port_index = static_cast<std::uint32_t>(pos % n_ports);
        return w;
    }

    bool host_can_send(std::uint32_t host, clock::time_point now) const {
        const HostTiming& t = timing_state_.at(host);
        return static_cast<double>(t.in_flight) < t.window && now >= t.next_send;
    }

    bool rate_allows(clock::time_point now) const { return now >= next_global_send_; }

    void fill() {
        const auto now = clock::now();
        // Held-back probes (retries first, as they are older) of hosts that now have room.
        if (waiting_total_ > 0) {
            for (std::uint32_t h = 0; h < timing_state_.size() && in_flight_ < global_limit_; ++h) {
                HostTiming& t = timing_state_.at(h);
                while (!t.waiting.empty() && in_flight_ < global_limit_ && host_can_send(h, now) &&
                       rate_allows(now)) {
                    const Work w = t.waiting.front();
                    t.waiting.pop_front();
                    --waiting_total_;
                    launch(w, now);
                }
            }
        }
        // New probes in permuted order.
        constexpr std::size_t max_waiting = 65536;
        while (in_flight_ < global_limit_ && next_index_ < order_.size() && waiting_total_ < max_waiting &&
               rate_allows(now)) {
            const Work w = work_at(next_index_++);
            if (hosts_.at(w.host).ports.at(w.port_index).done) {
                continue;  // ping mode: host already proven up
            }
            if (host_can_send(w.host, now)) {
                launch(w, now);
            } else {
                timing_state_.at(w.host).waiting.push_back(w);
                ++waiting_total_;
            }
        }
    }

    void launch(const Work& w, clock::time_point now) {
        HostRun& host = hosts_.at(w.host);
        if (host.ports.at(w.port_index).done) {
            return;
        }
        const io::ConnectStart start = io::start_connect(host.address, ports_[w.port_index]);
        if (start.status == io::ConnectStatus::local_error) {
            requeue_local(w, start.error);
            return;
        }
        ++counters_.probes_sent;
        if (w.tryno > 0) {
            ++counters_.retransmissions;
        }
        HostTiming& t = timing_state_.at(w.host);
        if (timing_.scan_delay.count() > 0) {
            t.next_send = now + timing_.scan_delay;
        }
        if (timing_.max_rate > 0) {
            next_global_send_ = now + std::chrono::duration_cast<clock::duration>(
                                          std::chrono::duration<double>(1.0 / timing_.max_rate));
        }
        const std::uint32_t slot_index = free_slots_.back();
        free_slots_.pop_back();
        Slot& slot = slots_.at(slot_index);
        slot.fd = start.fd;
        if (++generation_ == 0) {
            ++generation_;  // 0 marks a free slot
        }
        slot.generation = generation_;
        slot.work = w;
        slot.sent = now;
        ++in_flight_;
        ++t.in_flight;
        if (start.status == io::ConnectStatus::done) {
            settle_slot(slot_index, start.error, now);
            return;
        }
        epoll_event ev{};
        ev.events = EPOLLOUT | EPOLLERR | EPOLLHUP;
        ev.data.u64 = (std::uint64_t{slot.generation} << 32) | slot_index;
        if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, start.fd, &ev) != 0) {
            fatal_ = std::string("epoll_ctl: ") + std::strerror(errno);
            return;
        }
        deadlines_.push(Deadline{now + t.rtt.timeout(), slot_index, slot.generation});
    }

    void requeue_local(Work w, int err) {
        if (w.local_retries >= max_local_retries) {
            fatal_ = std::string("cannot open a socket: ") + std::strerror(err);
            return;
        }
        ++w.local_retries;
        // Fewer sockets at once: the system is short of them.
        global_limit_ = std::max<std::size_t>(in_flight_ > 16 ? in_flight_ - in_flight_ / 4 : 16, 16);
        timing_state_.at(w.host).waiting.push_back(w);
        ++waiting_total_;
    }

    void release(std::uint32_t slot_index) {
        Slot& slot = slots_.at(slot_index);
        io::abort_close(slot.fd);
        slot.fd = -1;
        slot.generation = 0;
        free_slots_.push_back(slot_index);
        --in_flight_;
        --timing_state_.at(slot.work.host).in_flight;
    }

    void complete(std::uint64_t token) {
        const auto slot_index = static_cast<std::uint32_t>(token & 0xffffffffU);
        const auto generation = static_cast<std::uint32_t>(token >> 32);
        if (slot_index >= slots_.size() || slots_.at(slot_index).generation != generation) {
            return;  // stale event for a slot already reused
        }
        const int status = io::finish_status(slots_.at(slot_index).fd);
        if (status < 0) {
            return;  // still connecting (spurious wake-up)
        }
        settle_slot(slot_index, status, clock::now());
    }

    Verdict verdict_for(const Slot& slot, int status, std::optional<Address>& reason_ip) {
        if (status == 0) {
            if (io::is_self_connect(slot.fd)) {
                return Verdict{};  // simultaneous open with ourselves: try again from another port
            }
            return classify_connect_errno(0);
        }
        if (auto icmp = io::read_icmp_error(slot.fd)) {
            const Address& target = hosts_.at(slot.work.host).address;
            Response r;
            r.kind = ResponseKind::icmp;
            r.icmp_version = icmp->version;
            r.icmp_type = icmp->type;
            r.icmp_code = icmp->code;
            r.from_target = !icmp->offender || *icmp->offender == target;
            Verdict v = classify(Technique::connect, r);
            if (v.resolved) {
                if (!r.from_target) {
                    reason_ip = icmp->offender;
                }
                return v;
            }
        }
        return classify_connect_errno(status);
    }

    void settle_slot(std::uint32_t slot_index, int status, clock::time_point now) {
        const Slot slot = slots_.at(slot_index);
        std::optional<Address> reason_ip;
        const Verdict v = verdict_for(slot, status, reason_ip);
        release(slot_index);
        const Work& w = slot.work;
        HostTiming& t = timing_state_.at(w.host);
        if (!v.resolved) {
            requeue_local(w, status > 0 ? status : EAGAIN);
            return;
        }
        const auto rtt = std::chrono::duration_cast<microseconds>(now - slot.sent);
        t.rtt.sample(rtt);
        t.max_successful_tryno = std::max<int>(t.max_successful_tryno, w.tryno);
        if (w.tryno > 0) {
            t.window = std::max(t.window / 2, 8.0);  // a retry answered: a probe was lost
        } else {
            t.window = std::min(t.window + 1, max_window_);
        }
        record(w, v, static_cast<std::uint32_t>(std::max<std::int64_t>(rtt.count(), 1)), reason_ip);
    }

    int allowed_tryno(std::uint32_t host) const {
        const int adaptive = std::max(1, timing_state_.at(host).max_successful_tryno + 1);
        return std::min(adaptive, std::max(0, timing_.max_retries));
    }

    void expire(clock::time_point now) {
        while (!deadlines_.empty() && deadlines_.top().when <= now) {
            const Deadline d = deadlines_.top();
            deadlines_.pop();
            Slot& slot = slots_.at(d.slot);
            if (slot.generation != d.generation || slot.fd < 0) {
                continue;
            }
            // A reply may have landed after the last epoll_wait: ask the socket before giving up.
            const int status = io::finish_status(slot.fd);
            if (status >= 0) {
                settle_slot(d.slot, status, now);
                continue;
            }
            Work w = slot.work;
            release(d.slot);
            if (w.tryno < allowed_tryno(w.host)) {
                ++w.tryno;
                w.local_retries = 0;
                timing_state_.at(w.host).waiting.push_back(w);
                ++waiting_total_;
            } else {
                record(w, classify(Technique::connect, Response{}), 0, std::nullopt);
            }
        }
    }

    void check_host_timeouts(clock::time_point now) {
        if (timing_.host_timeout.count() <= 0) {
            return;
        }
        for (std::size_t h = 0; h < hosts_.size(); ++h) {
            HostRun& host = hosts_[h];
            if (host.remaining > 0 && !host.timed_out && now - host.start > timing_.host_timeout) {
                host.timed_out = true;
                abandon_host(h);
            }
        }
    }

    void abandon_host(std::size_t h) {
        for (std::uint32_t i = 0; i < slots_.size(); ++i) {
            if (slots_[i].fd >= 0 && slots_[i].work.host == h) {
                release(i);
            }
        }
        HostTiming& t = timing_state_.at(h);
        waiting_total_ -= t.waiting.size();
        t.waiting.clear();
        HostRun& host = hosts_[h];
        for (Settled& s : host.ports) {
            s.done = true;  // unsettled ports are left out of the result (state unknown)
        }
        finish_host(h);
    }

    void record(const Work& w, const Verdict& v, std::uint32_t rtt_us, const std::optional<Address>& reason_ip) {
        HostRun& host = hosts_.at(w.host);
        Settled& s = host.ports.at(w.port_index);
        if (s.done) {
            return;
        }
        s.done = true;
        s.state = v.state;
        s.reason = v.reason;
        s.host_up = v.host_up;
        s.rtt_us = rtt_us;
        if (reason_ip) {
            host.reason_ips.push_back(*reason_ip);
            s.reason_ip_index = static_cast<std::uint32_t>(host.reason_ips.size());
        }
        ++counters_.settled;
        if (v.state == PortState::open) {
            ++counters_.open;
        }
        if (v.host_up && !host.up) {
            host.up = true;
            host.up_reason = v.reason;
        }
        --host.remaining;
        if (mode_ == RunMode::ping && host.up && host.remaining > 0) {
            abandon_host(w.host);  // proven up: the other ping probes are not needed
            return;
        }
        if (host.remaining == 0) {
            finish_host(w.host);
        }
    }

    void finish_host(std::size_t h) {
        HostRun& host = hosts_.at(h);
        if (const auto srtt = timing_state_.at(h).rtt.srtt()) {
            host.srtt_us = static_cast<std::uint32_t>(srtt->count());
        }
        ++finished_hosts_;
        if (hooks_.host_finished) {
            hooks_.host_finished(h);
        }
    }

    void close_all() {
        for (std::uint32_t i = 0; i < slots_.size(); ++i) {
            if (slots_[i].fd >= 0) {
                release(i);
            }
        }
    }

    std::vector<HostRun>& hosts_;
    std::span<const std::uint16_t> ports_;
    RunMode mode_;
    const Timing& timing_;
    bool randomize_;
    targets::Permutation order_;
    const RunHooks& hooks_;

    int epoll_fd_ = -1;
    std::size_t global_limit_ = 1;
    double max_window_ = initial_window;
    std::vector<Slot> slots_;
    std::vector<std::uint32_t> free_slots_;
    std::vector<HostTiming> timing_state_;
    std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>> deadlines_;
    std::uint64_t next_index_ = 0;
    std::size_t waiting_total_ = 0;
    std::size_t in_flight_ = 0;
    std::size_t finished_hosts_ = 0;
    std::uint32_t generation_ = 0;
    clock::time_point next_global_send_{};
    RunCounters counters_;
    std::string fatal_;
};

}  // namespace

RunResult run_connect_probes(std::vector<HostRun>& hosts, std::span<const std::uint16_t> ports,
                             RunMode mode, const Timing& timing, bool randomize, std::uint64_t seed,
                             std::size_t socket_budget, const RunHooks& hooks, std::stop_token stop) {
    if (hosts.empty()) {
        return {};
    }
    for (HostRun& h : hosts) {
        h.ports.assign(ports.size(), Settled{});
    }
    Runner runner(hosts, ports, mode, timing, randomize, seed, socket_budget, hooks);
    return runner.run(std::move(stop));
}

}  // namespace portwarden::engine

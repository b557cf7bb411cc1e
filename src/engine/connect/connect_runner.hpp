#pragma once
// One worker of a connect run (run_connect_probes in connect_run.cpp): its own epoll set,
// sockets and per-host controllers. Internal to engine/connect/: connect_runner.cpp starts the
// probes, connect_runner_replies.cpp settles them.
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <queue>
#include <stop_token>
#include <string>
#include <vector>

#include "engine/connect/run_shared.hpp"
#include "engine/host_control.hpp"
#include "portwarden/classify.hpp"

namespace portwarden::engine::connect_worker {

using clock = std::chrono::steady_clock;

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
    Runner(Shared& shared, unsigned worker, std::size_t budget);
    void run(const std::stop_token& stop, bool ticks);
    static RunCounters snapshot(const Shared& s);

private:
    void set_fatal(std::string message);
    int wait_time_ms() const;
    bool host_closed(std::uint32_t h) const { return s_.of(worker_, h).closed; }

    std::optional<Work> next_work(std::uint32_t h);
    bool fill();
    bool launch(const Work& w, clock::time_point now);
    bool ensure_socket(std::uint32_t slot_index, Family family);
    void recycle(std::uint32_t slot_index, bool drain);
    void release(std::uint32_t slot_index, bool drain);
    void requeue_local(Work w, int err);
    void complete(std::uint64_t token);
    void trace_finish(const Slot& slot, int status, clock::time_point now) const;
    std::optional<Verdict> icmp_verdict(const Slot& slot, std::optional<Address>& reason_ip) const;
    Verdict verdict_for(const Slot& slot, int status, std::optional<Address>& reason_ip) const;
    void settle_slot(std::uint32_t slot_index, int status, clock::time_point now);
    void expire(clock::time_point now);
    void check_host_timeouts(clock::time_point now);
    void record(const Work& w, const Verdict& v, std::uint32_t rtt_us, const std::optional<Address>& reason_ip);
    void close_host(std::size_t h);

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

}  // namespace portwarden::engine::connect_worker

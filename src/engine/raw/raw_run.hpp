#pragma once
// The raw scheduler: one group of hosts x a list of probe columns (a port and the module that
// probes it), sent in the order of a keyed permutation of the (host, column) index so probes
// to hosts and ports are interleaved at random. Per-host timing and rate-limit handling live in
// HostControl; every reply is classified through the shared classifier table.
//
// Memory per run: 16 bytes per cell plus queues bounded by the cells; nothing per probe
// beyond the probes in flight.
//
// Shards: cell c belongs to shard (c mod N); a run only sends its shard's cells, so shards are
// disjoint and together cover the index exactly. Resume: cells at permutation positions below
// `start_position` were settled by an earlier run and are skipped; low_water() tells the first
// position not yet settled, for the next resume file.
#include <chrono>
#include <cstdint>
#include <deque>
#include <utility>
#include <functional>
#include <memory>
#include <optional>
#include <queue>
#include <span>
#include <stop_token>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/host_control.hpp"
#include "engine/raw/raw_io.hpp"
#include "engine/raw/raw_sender.hpp"
#include "engine/send_rate.hpp"
#include "net/templates.hpp"
#include "portwarden/classify.hpp"
#include "portwarden/scan.hpp"
#include "targets/permutation.hpp"
#include "techniques/technique.hpp"

namespace portwarden::engine {

struct RawColumn {
    std::uint16_t port = 0;
    const techniques::Module* module = nullptr;
};

struct RawTarget {
    Address address;
    net::MacAddress next_hop_mac{};  // written into each frame's destination MAC (Ethernet links)
    bool on_link = false;            // directly attached (no gateway): ARP/ND reached the host itself
    bool local = false;              // one of our own addresses (not probed)
};

struct RawCell {
    std::uint32_t sent_us = 0;  // latest send, µs since the run started
    std::uint32_t rtt_us = 0;   // of the deciding reply, 0 = none
    PortState state = PortState::filtered;
    Reason reason = Reason::unknown;
    std::uint8_t tries = 0;     // probes sent (the try number of the next one)
    std::uint8_t counted = 0;   // silent tries that counted as evidence
    std::uint8_t ttl = 0;       // of the deciding reply
    bool done = false;
    bool skipped = false;       // not ours to scan here (other shard, or resumed past)
    bool queued = false;
    std::uint32_t next = 0xffffffffU;  // the host's send queue (an intrusive list)
};

// What the responder analysis needs of a port's deciding TCP reply beyond RawCell (kept apart,
// filled only with RawRunOptions::record_reply_facts: 6 bytes per cell).
struct RawReplyFacts {
    std::uint16_t ip_id = 0;  // IPv4
    std::uint16_t window = 0;
    std::uint16_t options = 0;
};

struct RawRunOptions {
    bool ping = false;               // a host is finished by its first reply proving it up
    bool ignore_rst = false;         // ping: a RST proves nothing (--discovery-ignore-rst)
    bool randomize = true;
    std::uint64_t seed = 1;
    std::uint32_t shard_index = 0;
    std::uint32_t shard_count = 1;
    std::uint64_t start_position = 0;
    // The group was being scanned by the run this one resumes (HostTuning::limiter_maybe_drained).
    bool resumed = false;
    std::vector<bool> disabled_hosts;      // hosts not to scan (down, unreachable): skipped
    std::uint8_t max_sends_per_cell = 11;  // = the context's max_tries
    std::size_t batch = 512;               // frames per send call
    bool helper_sender = true;             // a second sending thread (see raw_sender.hpp)
    // The last run on this RawIo: once every host is finished, the io is released (its
    // sockets close in the background) before the last host is handed to host_finished.
    bool release_io_when_done = false;
    bool record_reply_facts = false;  // keep RawReplyFacts per cell (responder analysis)
    // Ping over a big, mostly silent range (raw_run_sweep.cpp): a silent first try is parked,
    // not retried, until every first probe is out; then the parked tries are settled at once if
    // the hosts that did answer showed a clean path (no answer needed a retry, enough answers),
    // else retried as usual. Hosts proven up keep being probed (their answers are the evidence).
    bool sweep = false;
};

struct RawCounters {
    std::uint64_t probes_sent = 0;
    std::uint64_t retransmissions = 0;
    std::uint64_t replies_matched = 0;
    std::uint64_t replies_late = 0;  // matched a probe whose port was already settled
    std::uint64_t replies_not_sent = 0;  // validated, but no probe of this run: host, port or try
    std::uint64_t retries_saved = 0;  // sweep: silent first tries settled without a retry (clean path)
    std::uint64_t settled = 0;
    std::uint64_t open = 0;
};

struct RawRunHooks {
    std::function<void(std::size_t host)> host_finished;
    std::function<void(const RawCounters&)> tick;  // about every 250 ms
    // release_io_when_done: asked before the io is released, with the last host. False keeps
    // the sockets open (the caller still needs them: drift confirmation re-probes on them).
    std::function<bool(std::size_t host)> may_release;
    // Once, when every cell has had its first probe: only retries and time-outs remain (a
    // pipelined session starts the next group's run then).
    std::function<void()> all_sent;
};

// The templates a run patches: each distinct one stored once (a TCP scan of 65 535 ports has one
// per family), and per (column, family) the index of the one it uses.
struct RawTemplates {
    static constexpr std::uint32_t kNone = 0xffffffffU;
    std::vector<net::ProbeTemplate> unique;
    std::vector<std::uint32_t> index;  // [column * 2 + (family == v6)]; kNone: family not scanned
    const net::ProbeTemplate* get(std::size_t column, Family family) const {
        const std::uint32_t i = index.at(column * 2 + (family == Family::v6 ? 1 : 0));
        return i == kNone ? nullptr : &unique.at(i);
    }
};

class RawRun {
public:
    RawRun(std::vector<RawTarget> targets, std::vector<RawColumn> columns, const RawTemplates& templates,
           const techniques::ScanContext& context, const Timing& timing, const RawRunOptions& options,
           RawIo& io);

    struct Result {
        RawCounters counters;
        bool stopped = false;
        std::string fatal_error;
    };
    Result run(const RawRunHooks& hooks, std::stop_token stop);

    std::size_t host_count() const { return targets_.size(); }
    std::size_t column_count() const { return columns_.size(); }
    const RawTarget& target(std::size_t h) const { return targets_.at(h); }
    const RawCell& cell(std::size_t h, std::size_t c) const { return cells_.at(h * columns_.size() + c); }
    std::optional<Address> reason_ip(std::size_t h, std::size_t c) const;
    // The deciding reply's facts, when record_reply_facts.
    std::optional<RawReplyFacts> reply_facts(std::size_t h, std::size_t c) const;
    const HostControl& control(std::size_t h) const { return hosts_.at(h).control; }
    bool host_up(std::size_t h) const { return hosts_.at(h).up; }
    Reason host_up_reason(std::size_t h) const { return hosts_.at(h).up_reason; }
    std::optional<std::uint8_t> host_up_ttl(std::size_t h) const { return hosts_.at(h).up_ttl; }
    std::size_t host_up_column(std::size_t h) const { return hosts_.at(h).up_column; }
    bool host_timed_out(std::size_t h) const { return hosts_.at(h).timed_out; }
    bool host_finished(std::size_t h) const { return hosts_.at(h).finished; }
    // Every cell at a permutation position below this is settled (or not ours).
    std::uint64_t low_water() const;
    // Whether a cell's position is below `position` (for flushing an interrupted run).
    std::vector<bool> cells_before(std::uint64_t position) const;

private:
    static constexpr std::uint32_t kNone = 0xffffffffU;
    static constexpr std::uint32_t kParked = 0xfffffffeU;  // RawCell::next of a parked cell
    // A probe in flight; nodes live in one pool and form a FIFO per host (by send time).
    struct Outstanding {
        Clock::time_point sent;
        std::uint32_t cell = 0;
        std::uint32_t next = kNone;
        std::uint8_t tryno = 0;
    };
    // Per host: a few words (no containers), so a 65 536-host group stays small.
    struct HostSlot {
        explicit HostSlot(HostControl c) : control(std::move(c)) {}
        HostControl control;
        std::uint32_t out_head = kNone;  // in-flight FIFO (pool indices)
        std::uint32_t out_tail = kNone;
        std::uint32_t q_head = kNone;    // cells waiting to be (re)sent (cell indices)
        std::uint32_t q_tail = kNone;
        std::uint32_t remaining = 0;
        bool queue_empty() const { return q_head == kNone; }
        bool finished = false;
        bool timed_out = false;
        bool up = false;
        bool in_ready = false;
        bool due_pending = false;  // due_ holds an entry for this host at due_at (its earliest)
        Clock::time_point due_at{};
        Reason up_reason = Reason::unknown;
        std::optional<std::uint8_t> up_ttl;
        std::uint16_t up_column = 0;  // the column whose reply proved the host up
    };

    std::uint32_t cell_at(std::uint64_t position) const;
    // Asks for what send_cell(cell) reads (the cell, its column, the column's templates): cells
    // come in permutation order, so each is a cache miss. Always inlined: out of line, GCC 12
    // finds a function of prefetches alone free of side effects (ipa-pure-const) and deletes
    // its calls, prefetches and all.
    [[gnu::always_inline]] void prefetch_cell(std::uint32_t cell) const {
        const std::size_t column = cell % columns_.size();
        __builtin_prefetch(&cells_[cell]);
        __builtin_prefetch(&columns_[column]);
        __builtin_prefetch(&templates_.index[column * 2]);
    }
    void queue_push(HostSlot& host, std::uint32_t cell, bool front);
    std::uint32_t queue_pop(HostSlot& host);
    void out_push(HostSlot& host, const Outstanding& o);
    void out_pop(HostSlot& host);
    std::optional<std::uint32_t> find_host(const Address& a) const;
    bool send_cell(std::uint32_t cell, Clock::time_point now);
    void flush_sends();
    void handle_replies(const std::vector<CapturedReply>& replies);
    // `hit`: the reply's host (find_host of its target), looked up once by handle_replies.
    void handle_reply(const CapturedReply& r, std::optional<std::uint32_t> hit);
    void handle_timeouts(Clock::time_point now);
    void schedule_due(std::size_t h, Clock::time_point when);
    void expire_host(std::size_t h, Clock::time_point now, bool from_heap);
    void settle(std::uint32_t cell, PortState state, Reason reason);
    void finish_host(std::size_t h, bool report = true);
    void check_host_timeouts(Clock::time_point now);
    void mark_ready(std::size_t h);
    Clock::time_point next_wakeup(Clock::time_point now) const;
    // sweep (raw_run_sweep.cpp)
    bool park(std::uint32_t cell, const HostSlot& host);
    void unpark_host(std::size_t h);
    void sweep_evidence(std::uint8_t tryno);
    void decide_sweep();
    // run()'s steps
    void start_run(const RawRunHooks& hooks);
    bool take_replies_and_timeouts(std::vector<CapturedReply>& replies, const std::stop_token& stop, Result& result);
    std::size_t send_queued(Clock::time_point now, std::size_t budget, bool behind_min_rate);
    std::size_t send_new(Clock::time_point now, std::size_t budget, std::size_t sent_now, bool behind_min_rate);
    void end_run(Result& result);
    std::uint32_t micros_since_start(Clock::time_point t) const;
    std::chrono::microseconds timeout_of(const HostSlot& host) const;

    std::vector<RawTarget> targets_;
    std::vector<RawColumn> columns_;
    const RawTemplates& templates_;
    const techniques::ScanContext& context_;
    const Timing& timing_;
    RawRunOptions options_;
    RawIo& io_;
    RttEstimator group_rtt_;     // every sample of the run (for hosts without their own)
    bool group_sampled_ = false;
    targets::Permutation order_;
    std::vector<RawCell> cells_;
    std::vector<HostSlot> hosts_;
    std::vector<std::pair<Address, std::uint32_t>> host_index_;  // sorted by address
    std::vector<Outstanding> pool_;
    std::uint32_t pool_free_ = kNone;
    std::vector<std::int32_t> column_of_port_;
    const techniques::Module* only_module_ = nullptr;  // the module of every column, if they share one
    std::vector<std::optional<std::uint32_t>> reply_hosts_;  // handle_replies: each reply's host
    std::unordered_map<std::uint32_t, Address> reason_ips_;
    std::vector<RawReplyFacts> reply_facts_;  // per cell, when record_reply_facts
    std::deque<std::uint32_t> ready_;
    // Time-outs: a min-heap of (deadline, host), at most one live entry per host (its earliest
    // deadline; a probe sent later is found when that entry is taken: expire_host walks the
    // host's probes in sending order and schedules the first not yet due), so handle_timeouts
    // looks only at hosts with a probe due; after a
    // reply (time-outs may have shrunk) it walks every host once (walk_all_). A sweep of 65 536
    // hosts would otherwise walk them all after each batch sent. Probes in flight and cells
    // queued, in all.
    struct Due {
        Clock::time_point when;
        std::uint32_t host = 0;
        bool operator>(const Due& other) const { return when > other.when; }
    };
    std::priority_queue<Due, std::vector<Due>, std::greater<>> due_;
    bool walk_all_ = false;
    std::size_t in_flight_ = 0;
    std::size_t queued_ = 0;
    std::size_t queued_hosts_ = 0;  // unfinished hosts whose send queue is not empty
    // sweep: parked cells (first tries that timed out on hosts silent so far), the evidence
    std::vector<std::uint32_t> parked_;
    bool sweep_decided_ = false;
    bool loss_seen_ = false;
    std::uint64_t clean_samples_ = 0;
    std::uint64_t next_position_ = 0;
    std::size_t hosts_left_ = 0;
    std::optional<std::size_t> last_host_;  // release_io_when_done: reported after the loop
    Clock::time_point run_start_{};
    const RawRunHooks* hooks_ = nullptr;
    RawCounters counters_;
    // send batching: three buffer sets; up to two may be in the helper sender's hands
    static constexpr std::size_t kBufferSets = 3;
    std::size_t frame_capacity_ = 64;  // bytes per frame buffer: the biggest template's size
    std::vector<std::vector<std::uint8_t>> frame_buffers_[kBufferSets];
    // The template each buffer holds: a probe patches it in place, rewriting it only on a change.
    std::vector<const net::ProbeTemplate*> buffer_template_[kBufferSets];
    std::vector<net::ConstBytes> frame_views_;
    std::size_t pending_frames_ = 0;
    std::size_t active_set_ = 0;
    std::unique_ptr<HelperSender> helper_;
    std::deque<std::size_t> helper_sets_;  // sets handed to the helper, oldest first
    std::uint64_t helper_completed_ = 0;   // of those, how many it has reported done
    std::string fatal_;
    SendRate rate_{0, 0, Clock::time_point{}};  // --max-rate, --min-rate (set up by run())
};

}  // namespace portwarden::engine

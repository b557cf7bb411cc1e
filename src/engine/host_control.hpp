#pragma once
// Per-host timing of both engines (raw: RawRun; connect: connect_run.cpp, one per worker and
// host), kept apart from I/O so it can be tested with a fake clock: RTT estimate and time-out
// (nmap's timing.cc), a congestion window, adaptive retries, --scan-delay, --host-timeout, and
// the handling of ICMP rate limits for UDP (raw only). --max-rate and --min-rate are the whole
// run's (send_rate.hpp); below --min-rate a host may send past its window.
//
// Congestion window: CongestionModel (congestion.hpp), which tells random loss (retry at full
// speed) from congestion (loss that grows with the rate, or a queue: back off). It starts at
// 1024 (a LAN answers thousands of probes in flight) and sees the probes, answers and silences
// of normal mode only (the UDP rate-limit modes below have their own window of one).
//
// Adaptive retries (nmap's allowedTryno): a silent port gets max(2, deepest answered try + 2)
// tries, capped at --max-retries + 1, so retries go only as deep as the host ever needed. On a
// lossy path (p = answers that needed a retry / answers, after 100 answers) at least
// log(1e-8) / log(p) tries, so a port whose every try is lost stays below 1e-8 (at 19 % round-trip
// loss, 10 % each way, that is the cap of 11; at 10 %, 8): the deepest answered try alone grows
// too late when thousands of ports are retried at once.
//
// UDP and ICMP rate limits. Linux answers closed UDP ports with ICMP port-unreachable at most
// once per net.ipv4.icmp_ratelimit (1 s) per destination after a burst of 6, so silence after a
// burst proves nothing. When a host that has sent ICMP errors leaves probes unanswered, the host
// enters `measuring`: its unanswered ports are re-sent quickly (50 per second) without counting
// as tries, and the spacing of the ICMP errors that come back is the limiter's interval I (every
// answer still settles a port, so no time is lost). Then `paced`: one probe in flight; after an
// answered probe the next waits until its send time + 1.05 I (the limiter has a token again),
// after a silent one it goes at once (the token was not used). A silence in paced mode is a real
// silence, so it counts as a try; a port is open|filtered only after such tries. If measuring
// sees fewer than two errors in 4 s, the silence is real (a firewall, not a limiter): back to
// normal, and the re-sent ports count as tried once.
// A limiter of interval I lets at most burst + T / I errors through in any time T (Linux's
// per-destination bucket holds 6). Errors that came faster than that before measuring (E errors
// within T, E > limiter_burst + T / I) refute a limiter of interval I: measuring is not started
// when they refute one as fast as the measuring pace, and a measured interval they refute is not
// paced (the spacing of errors answering our own measuring probes, one port lost here and there,
// is our send spacing, not a limiter's: pw_hostile -sU was paced at about 23 ms, 37-93 s instead of 2).
// A resumed scan (--resume) starts where the interrupted run left the hosts' limiters: often just
// emptied (a run that measured a limiter keeps its bucket at zero), and it refills at one token
// per interval. Its first probes then meet silence from closed ports and no error at all, and
// without an error nothing pointed at a limiter: two quick silent tries settled closed ports
// open|filtered (docs/multi-scan-2026-12-03.md, "Resume": 5 and 11 ports). So in a resumed run
// (limiter_maybe_drained) the first silence starts measuring even before any error: an emptied
// limiter lets an error through within one interval (Linux: 1 s), well inside the quiet limit
// (1.5 s), and a host that stays quiet for that long has no limiter to wait for (at a cost of
// 1.5 s for a host silent on every port, in resumed runs only). Such a limiter is part-filled, too:
// the first error measuring sees may use credit saved before, so the gap after it is short (1.0,
// 1.7, 2.7, 3.7 s read 0.9 s, paced 5 % too fast: now and then a closed port's paced tries both
// met an empty bucket). The interval is timed from the second measured error on.
// This serves every technique whose silence means something else than an ICMP error does
// (limiter_changes_state): UDP, and FIN/NULL/Xmas/Maimon, where a firewall's admin-prohibited
// errors that the limiter suppressed would otherwise read open|filtered instead of filtered.
#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "engine/congestion.hpp"
#include "engine/rtt.hpp"
#include "portwarden/scan.hpp"

namespace portwarden::engine {

using Clock = std::chrono::steady_clock;

enum class PaceMode : std::uint8_t { none, measuring, paced };

struct HostTuning {
    double initial_cwnd = 1024;
    double max_cwnd = 16384;
    int max_retries = 10;
    std::chrono::microseconds scan_delay{0};
    std::chrono::microseconds host_timeout{0};  // from the host's first probe; 0 = none
    bool udp = false;  // handle ICMP rate limits (limiter_changes_state; named for UDP, its first user)
    std::chrono::microseconds measure_spacing{20000};     // 50 probes/s while measuring
    std::chrono::microseconds quiet_limit{1500000};       // no error at all for 1.5 s: no limiter
    std::chrono::microseconds measure_limit{10000000};    // give up measuring after 10 s
    std::uint32_t limiter_burst = 12;  // errors a limiter may let through at once (Linux: 6)
    // A resumed run: the interrupted run may just have emptied the host's ICMP bucket, so its
    // first silences may be the limiter's although no error came yet (see the header comment).
    bool limiter_maybe_drained = false;
    static HostTuning from(const Timing& timing, bool udp);
};

// True when an ICMP error and silence give a port of this technique different states, so an
// ICMP rate limit that suppresses errors would change results: UDP (closed vs open|filtered) and
// FIN/NULL/Xmas/Maimon (filtered vs open|filtered). Not SYN/ACK/Window (filtered either way).
bool limiter_changes_state(Technique technique);

class HostControl {
public:
    HostControl(const Timing& timing, const HostTuning& tuning);

    // May a probe be sent now (window and pacing)? `behind_min_rate`: the run sends slower
    // than --min-rate, so the window and the scan delay are ignored (not the rate-limit modes).
    bool may_send(Clock::time_point now, bool behind_min_rate = false) const;
    // When pacing (or the scan delay) next allows a send; now or earlier when it does already.
    Clock::time_point next_send_time() const;
    bool window_full(Clock::time_point now) const;

    void on_send(Clock::time_point now);

    // A reply to a probe sent at `sent_at` (the cell's latest try) arrived. `tryno_counted` is
    // the number of counted tries before this one; `icmp_error` for ICMP errors; rtt_sample when
    // the reply answers the latest try (Karn).
    void on_reply(Clock::time_point now, std::uint8_t counted_tries_before, bool icmp_error,
                  Clock::time_point sent_at, std::optional<std::chrono::microseconds> rtt_sample);

    enum class Silence : std::uint8_t {
        retry,            // send again; the silent try counted
        retry_uncounted,  // send again; the silence proved nothing (measuring a rate limit)
        settle,           // tries exhausted: the port is silent
    };
    // A probe timed out; `counted_tries` includes the silent one when it counts.
    // `sent_at`: when the silent probe left (a probe sent while measuring proves nothing later).
    Silence on_timeout(Clock::time_point now, std::uint8_t counted_tries_before, Clock::time_point sent_at);

    // A probe was abandoned without a reply or a time-out (its cell settled by another try).
    void on_forget();

    std::chrono::microseconds timeout() const { return rtt_.timeout(); }
    std::optional<std::chrono::microseconds> srtt() const { return rtt_.srtt(); }
    std::uint8_t allowed_tries() const;
    PaceMode pace_mode() const { return mode_; }
    bool rate_limited() const { return mode_ == PaceMode::paced; }
    std::optional<std::chrono::microseconds> limiter_interval() const { return interval_; }
    double cwnd() const { return congestion_.window(); }
    const CongestionModel& congestion() const { return congestion_; }
    std::uint32_t in_flight() const { return in_flight_; }
    bool ever_replied() const { return replies_ > 0; }
    // --host-timeout: the host's time is up (counted from its first probe).
    bool timed_out(Clock::time_point now) const;
    bool started() const { return started_; }
    Clock::time_point start() const { return start_; }

private:
    void release();  // one probe less in flight
    void leave_measuring(Clock::time_point now);
    // The errors seen before measuring came faster than a limiter of this interval allows.
    bool errors_refute_limiter(std::chrono::microseconds interval) const;

    RttEstimator rtt_;
    HostTuning tuning_;
    CongestionModel congestion_;
    std::uint32_t in_flight_ = 0;
    std::uint64_t replies_ = 0;
    std::uint64_t icmp_errors_ = 0;
    std::uint64_t answered_retries_ = 0;  // answers to a retry: an earlier try was lost
    std::uint8_t max_successful_tryno_ = 0;
    Clock::time_point last_send_{};
    Clock::time_point start_{};
    bool started_ = false;
    // rate-limit handling (UDP)
    PaceMode mode_ = PaceMode::none;
    bool limiter_ruled_out_ = false;
    Clock::time_point measure_start_{};
    std::vector<Clock::time_point> measured_;  // arrival times of ICMP errors while measuring
    std::uint64_t early_errors_ = 0;           // ICMP errors before measuring ever started
    Clock::time_point first_error_at_{};       // the first and latest of them
    Clock::time_point last_error_at_{};
    std::optional<std::chrono::microseconds> interval_;
    Clock::time_point token_free_at_{};        // paced: when the limiter has a token again
    Clock::time_point paced_since_{};
};

}  // namespace portwarden::engine

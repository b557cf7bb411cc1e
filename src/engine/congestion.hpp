#pragma once
// Per-host congestion control that tells random loss from congestion (issue #15). A pure class:
// it is driven by events (a probe sent, answered, silent) and the clock values they carry, so it
// is tested on a synthetic clock and can be shared by the raw and connect engines.
//
// Why. nmap (and portwarden before this model) halves its window whenever a retry is answered.
// On a path that loses a few per cent of packets at random (Wi-Fi, a busy VPN) that happens all
// the time, and the scan crawls, although sending slower does not lose less. Random loss is
// cured by retrying; only congestion, loss that grows with the sending rate, is cured by
// sending less. Like modern transport congestion control (BBR, Hystart) the model looks at two
// signals: the loss rate at a given sending rate, and the queue (RTT above the path's minimum).
//
// Rounds. Probes are grouped by the time they are sent into rounds of max(min_round,
// round_fraction * probes in flight). A round is judged once each of its probes was answered
// or went silent (or `2 * timeout` after its last probe left): its loss is silent / (answered +
// silent), its rate the probes it sent per second, its queue signal whether its mean RTT
// exceeds queue_ratio * min RTT + queue_slack. A silent probe is a lost one or a filtered port;
// both are independent of the rate, so a firewall reads as random loss, which is right: it
// must not slow the scan either. After every window decision the rounds still open are stale
// (sent at another window) and are not judged.
//
// Judging a round. ref = the random-loss estimate (loss_free until measured); noise =
// loss_margin + sigmas * (standard deviation of the losses of the remembered rounds sent at
// about the same rate: bursty loss varies far more than independent losses); a round is lossy
// when loss > ref + max(margin(ref, n), noise), margin(p, n) = loss_margin + sigmas *
// sqrt(p (1 - p) / n).
// * not lossy: with a queue, slow start ends; without one, ref follows by an EWMA (1/8), and
//   after a congestion the window grows by probe_gain (a BBR-like probe up, while it limits).
// * lossy with a queue -> congestion: window := in flight * clamp(1 - (loss - ref), 0.5, beta).
// * lossy, no queue: compared with the latest of the last 16 judged rounds sent at a clearly
//   lower or higher rate (x1.5): loss higher at the higher rate by more than the margin (and
//   the noise) -> congestion (as above); the same -> random: ref := the two rounds' pooled loss,
//   the window stays, a cut made on an earlier comparison is undone, slow start goes on.
// * lossy, nothing to compare with for 4 rounds in a row -> probe: one round at half the
//   probes in flight (half the rate), then compared with the round before it as above (the
//   window goes back if the loss is the same).
//
// Between judgements: +1 per answer below ssthresh (slow start, as TCP's and nmap's), +1/window
// above. When the recent RTT (EWMA 1/8) shows a queue, slow start ends and the window holds (a
// queue that builds is the bottleneck's: more in flight only lengthens it until it drops;
// Hystart). queue_slack is 20 ms: on this project's 2-core machine a full-speed scan's own
// CPU load makes RTTs of 5-10 ms, which is no bottleneck's queue. Before the first answer the
// window opens with time (first_burst, + silent_ramp_per_ms per ms), so a short queue is not
// flooded by the initial window; at the first answer the window is what went out. A host that
// never answered grows by one per silence (a silent host is not congested). The window stays
// in [min_window, max_window].
#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

namespace portwarden::engine {

// Tries a port needs on a path with random loss so that one whose every try is lost stays
// below 1e-8: log(1e-8) / log(p), p = answers that needed a retry / answers (0 until 100
// answers, or when none needed a retry). At 19 % round-trip loss (10 % each way) that is 11.
int tries_for_loss(std::uint64_t answers, std::uint64_t answered_retries);

struct CongestionTuning {
    double initial_window = 1024;
    double first_burst = 64;                          // in flight before the first answer ...
    double silent_ramp_per_ms = 64;                   // ... + this many per ms without one
    double max_window = 16384;
    double min_window = 4;
    std::uint32_t min_round = 256;                    // probes per round, at least
    double round_fraction = 0.5;                      // ... or this share of the window
    std::uint32_t min_judged = 128;                   // resolved probes a round needs to be judged
    double loss_free = 0.01;                          // the loss assumed before any measurement
    double loss_margin = 0.03;                        // margin: 3 points ...
    double sigmas = 3.0;                              // ... plus 3 standard deviations
    double queue_ratio = 2.0;                         // a queue: mean RTT > 2 * min RTT ...
    std::chrono::microseconds queue_slack{20000};     // ... + 20 ms
    double beta = 0.7;                                // window factor on congestion (at most)
    double probe_gain = 1.25;                         // growth per clean round without a queue
};

class CongestionModel {
public:
    using Clock = std::chrono::steady_clock;
    enum class Verdict : std::uint8_t { none, clean, queue, random, congestion, probe };

    explicit CongestionModel(const CongestionTuning& tuning);

    void on_send(Clock::time_point now);
    // A reply to a probe sent at `sent_at`; rtt when it is a valid sample (Karn).
    void on_answer(Clock::time_point now, Clock::time_point sent_at, std::optional<std::chrono::microseconds> rtt);
    // A probe sent at `sent_at` timed out (lost, or a silent port).
    void on_silence(Clock::time_point now, Clock::time_point sent_at);
    // A probe was given up without an answer or a time-out.
    void on_forget();
    // The current retransmission time-out (rounds give up 2 time-outs after their last probe).
    void set_timeout(std::chrono::microseconds timeout) { timeout_ = timeout; }

    double window() const { return window_; }
    // The window at `now`: before the host's first answer it opens with time (first_burst +
    // silent_ramp_per_ms per ms since the first probe), so a path with a short queue does not
    // get the whole initial window at once, and a host that never answers still gets it soon.
    double window_at(Clock::time_point now) const;
    double ssthresh() const { return ssthresh_; }
    std::optional<double> random_loss() const { return ref_loss_; }
    std::optional<std::chrono::microseconds> min_rtt() const { return min_rtt_; }
    bool probing() const { return probing_; }
    Verdict last_verdict() const { return last_verdict_; }
    std::uint32_t congestion_events() const { return congestions_; }
    std::uint32_t random_verdicts() const { return randoms_; }

private:
    struct Round {
        Clock::time_point start;
        Clock::time_point last_send;
        std::optional<Clock::time_point> end;  // when the next round started
        double rate() const;                   // probes sent a second
        std::uint32_t size = 0;  // probes it takes
        std::uint32_t sent = 0;
        std::uint32_t answered = 0;
        std::uint32_t silent = 0;
        std::uint32_t rtt_samples = 0;
        double rtt_sum_us = 0;
        double window = 0;       // the window when it started
        std::uint32_t flight = 0;  // the most probes in flight while it was sent: its rate level
        bool stale = false;
    };

    struct Level {  // a judged round: its sending rate (probes a second), loss and size
        double rate = 0;
        double loss = 0;
        double n = 0;
    };

    Round* round_of(Clock::time_point sent_at);
    void settle_rounds(Clock::time_point now);
    void judge(const Round& r);
    void clean(const Round& r, double loss, bool queue);
    void congestion(double window);
    void random(const Level& level, const Level& other);
    double current_level(double round_flight) const;
    double spread(double rate) const;
    void set_window(double w, bool changed);
    double margin(double p, double n) const;
    bool queue_in(double mean_rtt_us) const;

    CongestionTuning tuning_;
    double window_;
    double ssthresh_;
    // Vectors, not deques: a deque allocates a 512-byte node when it is made, and a -sn sweep
    // makes 65 536 hosts' controllers (2.3 KB a host instead of ~0.5). Few open rounds and 16
    // levels at a time: erasing the oldest is cheap.
    std::vector<Round> rounds_;  // by send time, oldest first; the last one is being filled
    std::vector<Level> levels_;  // the latest judged rounds, oldest first
    bool new_round_ = false;    // the next probe starts a round (the window was just changed)
    std::optional<std::chrono::microseconds> min_rtt_;
    std::optional<double> recent_rtt_us_;  // EWMA of the RTT samples
    bool queued_ = false;                  // it shows a queue: the window holds
    std::chrono::microseconds timeout_{1000000};
    std::optional<double> ref_loss_;
    double ref_rate_ = 0;         // the highest rate ref was measured at
    std::uint32_t in_flight_ = 0;
    bool ever_answered_ = false;
    std::optional<Clock::time_point> first_send_;
    bool ever_congested_ = false;
    bool probing_ = false;
    double probe_high_window_ = 0;
    Level probe_high_;            // the round a probe compares with
    std::uint32_t probe_size_ = 0;
    double undo_window_ = 0;       // the window before the last cut made on a comparison
    std::uint32_t uncompared_ = 0;  // lossy rounds in a row with nothing to compare them with
    double recent_loss_ = 0;      // EWMA over the latest answers (0) and silences (1)
    Verdict last_verdict_ = Verdict::none;
    std::uint32_t congestions_ = 0;
    std::uint32_t randoms_ = 0;
};

}  // namespace portwarden::engine

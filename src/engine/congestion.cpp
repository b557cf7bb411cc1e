#include "engine/congestion.hpp"

#include <algorithm>
#include <cmath>

namespace portwarden::engine {

namespace {
constexpr std::size_t kMaxOpenRounds = 512;  // older rounds are dropped unjudged
constexpr double kRttGain = 1.0 / 8;         // EWMA of the recent RTT (Hystart's signal)
constexpr double kRefGain = 1.0 / 8;         // EWMA of the random-loss estimate
constexpr double kLossGain = 1.0 / 64;       // EWMA of the loss of the latest probes
constexpr double kLevelStep = 1.5;           // rounds compared differ in rate by this factor at least
constexpr double kMinSpanSeconds = 50e-6;    // a round's sending time, at least (sends come in batches)
constexpr std::uint32_t kPatience = 4;       // lossy rounds without a comparison before a probe
constexpr std::size_t kLevels = 16;          // judged rounds remembered for comparisons
}  // namespace

CongestionModel::CongestionModel(const CongestionTuning& tuning)
    : tuning_(tuning),
      window_(std::clamp(tuning.initial_window, tuning.min_window, tuning.max_window)),
      ssthresh_(tuning.max_window) {}

int tries_for_loss(std::uint64_t answers, std::uint64_t answered_retries) {
    constexpr std::uint64_t kSamples = 100;
    constexpr double kLostEverywhere = 1e-8;
    if (answers < kSamples || answered_retries == 0) {
        return 0;
    }
    const double p = std::min(static_cast<double>(answered_retries) / static_cast<double>(answers), 0.99);
    return static_cast<int>(std::ceil(std::log(kLostEverywhere) / std::log(p)));
}

double CongestionModel::Round::rate() const {
    const double span = std::chrono::duration<double>(end.value_or(last_send) - start).count();
    return static_cast<double>(sent) / std::max(span, kMinSpanSeconds);
}

double CongestionModel::margin(double p, double n) const {
    return tuning_.loss_margin + tuning_.sigmas * std::sqrt(std::max(p * (1 - p), 0.0) / std::max(n, 1.0));
}

bool CongestionModel::queue_in(double mean_rtt_us) const {
    if (!min_rtt_) {
        return false;
    }
    const double min_us = static_cast<double>(min_rtt_->count());
    return mean_rtt_us > min_us * tuning_.queue_ratio + static_cast<double>(tuning_.queue_slack.count());
}

void CongestionModel::set_window(double w, bool decision) {
    window_ = std::clamp(w, tuning_.min_window, tuning_.max_window);
    if (decision) {
        for (Round& r : rounds_) {
            r.stale = true;  // sent at another window: not judged
        }
        new_round_ = true;
    }
}

CongestionModel::Round* CongestionModel::round_of(Clock::time_point sent_at) {
    for (auto it = rounds_.rbegin(); it != rounds_.rend(); ++it) {
        if (it->start <= sent_at) {
            return &*it;
        }
    }
    return nullptr;  // sent before the oldest open round: already judged or dropped
}

double CongestionModel::window_at(Clock::time_point now) const {
    if (ever_answered_ || !first_send_) {
        return window_;
    }
    const double ms = std::chrono::duration<double, std::milli>(now - *first_send_).count();
    return std::min(window_, tuning_.first_burst + tuning_.silent_ramp_per_ms * std::max(ms, 0.0));
}

void CongestionModel::on_send(Clock::time_point now) {
    if (!first_send_) {
        first_send_ = now;
    }
    if (rounds_.empty() || new_round_ || rounds_.back().sent >= rounds_.back().size) {
        if (!rounds_.empty()) {
            rounds_.back().end = now;
        }
        Round r;
        r.start = now;
        r.window = window_;
        r.size = static_cast<std::uint32_t>(
            std::max(static_cast<double>(tuning_.min_round),
                     std::min(window_, static_cast<double>(in_flight_)) * tuning_.round_fraction));
        if (probing_) {
            r.size = std::max(r.size, probe_size_);  // as many samples as the round it is compared with
        }
        rounds_.push_back(r);
        new_round_ = false;
        if (rounds_.size() > kMaxOpenRounds) {
            rounds_.erase(rounds_.begin());
        }
    }
    ++in_flight_;
    Round& r = rounds_.back();
    r.flight = std::max(r.flight, in_flight_);
    ++r.sent;
    r.last_send = now;
    settle_rounds(now);
}

void CongestionModel::on_answer(Clock::time_point now, Clock::time_point sent_at,
                                std::optional<std::chrono::microseconds> rtt) {
    if (!ever_answered_) {
        set_window(window_at(now), false);  // slow start goes on from what the ramp let out
        ever_answered_ = true;
    }
    on_forget();
    recent_loss_ -= recent_loss_ * kLossGain;
    if (rtt && rtt->count() >= 0) {
        if (!min_rtt_ || *rtt < *min_rtt_) {
            min_rtt_ = *rtt;
        }
        const auto us = static_cast<double>(rtt->count());
        recent_rtt_us_ = recent_rtt_us_ ? *recent_rtt_us_ + (us - *recent_rtt_us_) * kRttGain : us;
    }
    if (recent_rtt_us_ && queue_in(*recent_rtt_us_)) {
        // A queue builds: slow start ends before the first loss, and the window holds (more
        // in flight would only lengthen the queue until it drops).
        ssthresh_ = std::min(ssthresh_, window_);
        queued_ = true;
    } else {
        queued_ = false;
    }
    if (Round* r = round_of(sent_at)) {
        ++r->answered;
        if (rtt) {
            ++r->rtt_samples;
            r->rtt_sum_us += static_cast<double>(rtt->count());
        }
    }
    if (!queued_) {
        set_window(window_ < ssthresh_ ? window_ + 1 : window_ + 1 / window_, false);
    }
    settle_rounds(now);
}

void CongestionModel::on_forget() {
    if (in_flight_ > 0) {
        --in_flight_;
    }
}

void CongestionModel::on_silence(Clock::time_point now, Clock::time_point sent_at) {
    on_forget();
    if (ever_answered_) {
        recent_loss_ += (1 - recent_loss_) * kLossGain;
        const double ref = ref_loss_.value_or(tuning_.loss_free);
        if (window_ < ssthresh_ && recent_loss_ > ref + margin(ref, 1 / kLossGain)) {
            ssthresh_ = window_;  // losing more than known: no faster until a round is judged
        }
    }
    if (Round* r = round_of(sent_at)) {
        ++r->silent;
    }
    if (!ever_answered_) {
        set_window(window_ + 1, false);  // a silent host is not congested
    }
    settle_rounds(now);
}

void CongestionModel::settle_rounds(Clock::time_point now) {
    while (rounds_.size() > 1) {
        const Round& r = rounds_.front();
        const bool resolved = r.answered + r.silent >= r.sent;
        if (!resolved && now - r.last_send < 2 * timeout_) {
            return;
        }
        const Round done = r;
        rounds_.erase(rounds_.begin());
        if (!done.stale && ever_answered_ && done.answered + done.silent >= tuning_.min_judged) {
            judge(done);
        }
    }
}

void CongestionModel::judge(const Round& r) {
    const double n = static_cast<double>(r.answered + r.silent);
    const double loss = static_cast<double>(r.silent) / n;
    const double rate = r.rate();
    const bool queue = r.rtt_samples > 0 && queue_in(r.rtt_sum_us / static_cast<double>(r.rtt_samples));
    const double ref = ref_loss_.value_or(tuning_.loss_free);
    // The latest judged rounds sent at a clearly lower and a clearly higher rate.
    std::optional<Level> lower;
    std::optional<Level> higher;
    for (auto it = levels_.rbegin(); it != levels_.rend(); ++it) {
        if (!lower && it->rate * kLevelStep <= rate) {
            lower = *it;
        }
        if (!higher && it->rate >= rate * kLevelStep) {
            higher = *it;
        }
    }
    if (probing_) {
        higher = probe_high_;  // the round this one was sent to be compared with
    }
    const Level level{rate, loss, n};
    const double noise = tuning_.loss_margin + tuning_.sigmas * spread(rate);
    levels_.push_back(level);
    if (levels_.size() > kLevels) {
        levels_.erase(levels_.begin());
    }
    const bool lossy = loss > ref + std::max(margin(ref, n), noise);
    if (!lossy && !probing_) {
        clean(r, loss, queue);
        return;
    }
    const double cut = std::clamp(1 - (loss - ref), 0.5, tuning_.beta);
    if (queue && lossy) {
        undo_window_ = 0;
        congestion(current_level(r.flight) * cut);
        return;
    }
    if (lower || higher) {
        // Loss rising with the rate is congestion; the same loss at another rate is random.
        uncompared_ = 0;
            const Level& other = lower ? *lower : *higher;
        const double m = std::max(margin(std::min(loss, other.loss), std::min(n, other.n)), noise);
        const bool rises = lower ? loss > other.loss + m : other.loss > loss + m;
        if (rises) {
            const double before = probing_ ? probe_high_window_ : window_;
            congestion(probing_ ? probe_high_window_ * tuning_.beta : current_level(r.flight) * cut);
            undo_window_ = before;  // a later comparison finding the same loss undoes the cut
        } else {
            random(level, other);
        }
        return;
    }
    if (++uncompared_ < kPatience) {
        return;  // the rate varies by itself (slow start, lost probes in flight): wait for a comparison
    }
    uncompared_ = 0;
    last_verdict_ = Verdict::probe;
    probing_ = true;
    probe_high_ = level;
    probe_high_window_ = current_level(r.flight);
    probe_size_ = r.answered + r.silent;
    set_window(probe_high_window_ / 2, true);  // half the probes in flight: half the rate
}

// The standard deviation of the losses of the remembered rounds sent at about `rate` (within
// kLevelStep): bursty loss varies far more from round to round than independent losses would,
// and must not read as a rise with the rate; rounds at other rates are left out, as a loss that
// does rise with the rate would make the spread itself.
double CongestionModel::spread(double rate) const {
    double sum = 0;
    double sq = 0;
    double count = 0;
    for (const Level& l : levels_) {
        if (l.rate * kLevelStep > rate && l.rate < rate * kLevelStep) {
            sum += l.loss;
            sq += l.loss * l.loss;
            ++count;
        }
    }
    if (count < 4) {
        return 0;
    }
    const double mean = sum / count;
    return std::sqrt(std::max(sq - count * mean * mean, 0.0) / (count - 1));
}

// The in-flight level a decision scales: probes still in flight now (lost ones wait for their
// time-out, so they count) or the round's, whichever is larger, but no more than the window.
double CongestionModel::current_level(double round_flight) const {
    return std::min(window_, std::max(round_flight, static_cast<double>(in_flight_)));
}

void CongestionModel::clean(const Round& r, double loss, bool queue) {
    last_verdict_ = queue ? Verdict::queue : Verdict::clean;
    if (queue) {
        ssthresh_ = std::min(ssthresh_, window_);  // the path is full: grow additively
        return;
    }
    if (ref_loss_) {
        ref_loss_ = *ref_loss_ + (loss - *ref_loss_) * kRefGain;
        ref_rate_ = std::max(ref_rate_, r.rate());
    }
    if (ever_congested_ && window_ >= ssthresh_ && window_ < 2 * static_cast<double>(r.flight)) {
        set_window(window_ * tuning_.probe_gain, false);  // probe up, while the window limits
        ssthresh_ = window_;
    }
}

void CongestionModel::congestion(double window) {
    last_verdict_ = Verdict::congestion;
    ++congestions_;
    ever_congested_ = true;
    probing_ = false;
    set_window(window, true);
    ssthresh_ = window_;
}

void CongestionModel::random(const Level& level, const Level& other) {
    last_verdict_ = Verdict::random;
    ++randoms_;
    ref_loss_ = (level.loss * level.n + other.loss * other.n) / (level.n + other.n);
    ref_rate_ = std::max({ref_rate_, level.rate, other.rate});
    if (probing_) {
        probing_ = false;
        set_window(std::max(window_, probe_high_window_), true);  // back to the full rate
    }
    if (undo_window_ > window_) {
        set_window(undo_window_, true);  // the last cut was for a loss that does not rise with the rate
        ssthresh_ = window_;
    }
    undo_window_ = 0;
    if (!ever_congested_) {
        ssthresh_ = tuning_.max_window;  // slow start goes on
    }
}

}  // namespace portwarden::engine

#include "engine/host_control.hpp"

#include <algorithm>

#include "portwarden/classify.hpp"

namespace portwarden::engine {

using std::chrono::duration_cast;
using std::chrono::microseconds;

HostTuning HostTuning::from(const Timing& timing, bool udp) {
    HostTuning t;
    t.max_retries = std::max(timing.max_retries, 0);
    t.scan_delay = timing.scan_delay;
    t.host_timeout = timing.host_timeout;
    t.udp = udp;
    if (timing.max_parallelism > 0) {
        t.max_cwnd = static_cast<double>(timing.max_parallelism);
        t.initial_cwnd = std::min(t.initial_cwnd, t.max_cwnd);
    }
    return t;
}

bool limiter_changes_state(Technique technique) {
    if (is_ping_technique(technique) || technique == Technique::connect) {
        return false;
    }
    Response icmp;
    icmp.kind = ResponseKind::icmp;
    icmp.icmp_type = 3;   // destination unreachable,
    icmp.icmp_code = 13;  // communication administratively prohibited
    const Verdict error = classify(technique, icmp);
    const Verdict silence = classify(technique, Response{});
    return error.resolved && error.state != silence.state;
}

namespace {
CongestionTuning congestion_tuning(const HostTuning& tuning) {
    CongestionTuning t;
    t.initial_window = tuning.initial_cwnd;
    t.max_window = tuning.max_cwnd;
    t.min_window = std::min(t.min_window, tuning.max_cwnd);
    return t;
}
}  // namespace

HostControl::HostControl(const Timing& timing, const HostTuning& tuning)
    : rtt_(timing), tuning_(tuning), congestion_(congestion_tuning(tuning)) {
    congestion_.set_timeout(rtt_.timeout());
}

bool HostControl::window_full(Clock::time_point now) const {
    const double window = mode_ == PaceMode::paced ? 1.0 : congestion_.window_at(now);
    return static_cast<double>(in_flight_) >= std::max(window, 1.0);
}

Clock::time_point HostControl::next_send_time() const {
    Clock::time_point t = last_send_ + tuning_.scan_delay;
    if (mode_ == PaceMode::measuring) {
        t = std::max(t, last_send_ + tuning_.measure_spacing);
    } else if (mode_ == PaceMode::paced) {
        t = std::max(t, token_free_at_);
    }
    return t;
}

bool HostControl::may_send(Clock::time_point now, bool behind_min_rate) const {
    if (mode_ == PaceMode::measuring) {
        return now >= next_send_time();  // measuring ignores the window: it must oversend
    }
    if (behind_min_rate && mode_ == PaceMode::none) {
        return true;
    }
    return !window_full(now) && now >= next_send_time();
}

bool HostControl::timed_out(Clock::time_point now) const {
    return tuning_.host_timeout.count() > 0 && started_ && now - start_ >= tuning_.host_timeout;
}

void HostControl::on_send(Clock::time_point now) {
    if (!started_) {
        started_ = true;
        start_ = now;
    }
    ++in_flight_;
    last_send_ = now;
    congestion_.on_send(now);
}

void HostControl::release() {
    if (in_flight_ > 0) {
        --in_flight_;
    }
}

void HostControl::on_forget() {
    release();
    congestion_.on_forget();
}

std::uint8_t HostControl::allowed_tries() const {
    int wanted = std::max(2, static_cast<int>(max_successful_tryno_) + 2);
    wanted = std::max(wanted, tries_for_loss(replies_, answered_retries_));  // a lossy path
    return static_cast<std::uint8_t>(std::clamp(wanted, 1, std::min(tuning_.max_retries + 1, 255)));
}

void HostControl::on_reply(Clock::time_point now, std::uint8_t counted_tries_before, bool icmp_error,
                              Clock::time_point sent_at, std::optional<microseconds> rtt_sample) {
    release();
    ++replies_;
    if (rtt_sample) {
        rtt_.sample(*rtt_sample);
    }
    if (icmp_error) {
        ++icmp_errors_;
    }
    if (icmp_error && mode_ == PaceMode::none && !limiter_ruled_out_) {
        if (early_errors_++ == 0) {
            first_error_at_ = now;
        }
        last_error_at_ = now;
    }
    if (mode_ == PaceMode::measuring && icmp_error) {
        measured_.push_back(now);
        if (measured_.size() >= 4) {
            leave_measuring(now);
        }
    } else if (mode_ == PaceMode::paced && icmp_error) {
        // The answer used the limiter's token; the next one is there an interval after it.
        token_free_at_ = std::max(token_free_at_, sent_at + *interval_);
        if (counted_tries_before > 0) {
            // A silent paced try was answered later: we were faster than the limiter.
            interval_ = *interval_ + *interval_ / 32;
        }
    }
    if (counted_tries_before > 0) {
        ++answered_retries_;
    }
    if (counted_tries_before > max_successful_tryno_) {
        max_successful_tryno_ = counted_tries_before;
    }
    congestion_.set_timeout(rtt_.timeout());
    if (mode_ == PaceMode::none) {
        congestion_.on_answer(now, sent_at, rtt_sample);
    } else {
        congestion_.on_forget();  // the rate-limit modes have their own window
    }
}

HostControl::Silence HostControl::on_timeout(Clock::time_point now, std::uint8_t counted_tries_before,
                                                   Clock::time_point sent_at) {
    release();
    if (mode_ == PaceMode::none) {
        congestion_.on_silence(now, sent_at);  // grows the window of a host that never answered
    } else {
        congestion_.on_forget();
    }
    const bool limiter_possible = icmp_errors_ > 0 || tuning_.limiter_maybe_drained;
    if (tuning_.udp && !limiter_ruled_out_ && mode_ == PaceMode::none && limiter_possible) {
        if (errors_refute_limiter(tuning_.measure_spacing)) {
            limiter_ruled_out_ = true;  // no limiter measuring could see: a plain silence
        } else {
            mode_ = PaceMode::measuring;
            measure_start_ = now;
            measured_.clear();
        }
    }
    if (mode_ == PaceMode::measuring) {
        const auto measuring_for = now - measure_start_;
        const bool quiet = measured_.empty() && measuring_for >= tuning_.quiet_limit;
        if (!quiet && measuring_for < tuning_.measure_limit) {
            return Silence::retry_uncounted;
        }
        leave_measuring(now);
    }
    if (mode_ == PaceMode::paced && sent_at < paced_since_) {
        return Silence::retry_uncounted;  // sent while measuring, into an empty bucket
    }
    const auto tries = static_cast<std::uint8_t>(counted_tries_before + 1);
    return tries >= allowed_tries() ? Silence::settle : Silence::retry;
}

void HostControl::leave_measuring(Clock::time_point now) {
    if (measured_.size() >= 2) {
        // The first error may have used credit the bucket saved before measuring began (a
        // resumed run finds it part-filled): the gap after it can be short. From the second on,
        // each error took a token the moment it refilled (we probe every 20 ms): time from there.
        const std::size_t first = measured_.size() >= 3 ? 1 : 0;
        const auto span = duration_cast<microseconds>(measured_.back() - measured_[first]);
        const auto interval = span / static_cast<long>(measured_.size() - 1 - first);
        const auto paced_interval = interval + interval / 20 + microseconds(2000);
        if (!errors_refute_limiter(paced_interval)) {
            interval_ = paced_interval;
            mode_ = PaceMode::paced;
            paced_since_ = now;
            token_free_at_ = now + *interval_;
            measured_.clear();
            return;
        }
    }
    mode_ = PaceMode::none;
    limiter_ruled_out_ = true;
    measured_.clear();
}

bool HostControl::errors_refute_limiter(microseconds interval) const {
    if (early_errors_ <= tuning_.limiter_burst || interval.count() <= 0) {
        return false;
    }
    const auto span = duration_cast<microseconds>(last_error_at_ - first_error_at_);
    const auto allowed = std::uint64_t{tuning_.limiter_burst} + static_cast<std::uint64_t>(span / interval);
    return early_errors_ > allowed;
}

}  // namespace portwarden::engine

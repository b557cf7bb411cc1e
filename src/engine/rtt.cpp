#include "engine/rtt.hpp"

namespace portwarden::engine {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Rep = microseconds::rep;

constexpr microseconds max_sample{seconds(8)};
constexpr microseconds skew_tolerance{milliseconds(50)};
constexpr microseconds skew_replacement{milliseconds(10)};
constexpr microseconds rttvar_floor{milliseconds(5)};
constexpr microseconds rttvar_ceiling{seconds(2)};
constexpr microseconds rttvar_limit{milliseconds(2300)};
constexpr microseconds bogus_jump{milliseconds(1500)};

// Rounds toward minus infinity, as nmap's `x >> 3` does on negative values.
constexpr Rep floor_div(Rep value, Rep divisor) {
    const Rep quotient = value / divisor;
    return (value % divisor != 0 && value < 0) ? quotient - 1 : quotient;
}

}  // namespace

RttEstimator::RttEstimator(const Timing& timing)
    : initial_timeout_(timing.initial_rtt_timeout),
      min_timeout_(timing.min_rtt_timeout),
      max_timeout_(timing.max_rtt_timeout),
      scan_delay_(timing.scan_delay) {}

void RttEstimator::sample(microseconds rtt) {
    if (rtt < microseconds::zero()) {
        if (rtt <= -skew_tolerance) {
            return;
        }
        rtt = skew_replacement;
    }
    if (rtt >= max_sample) {
        return;
    }
    if (!srtt_) {
        srtt_ = rtt;
        rttvar_ = rtt < rttvar_floor ? rttvar_floor : (rtt > rttvar_ceiling ? rttvar_ceiling : rtt);
        return;
    }
    const microseconds error = rtt - *srtt_;
    if (error > bogus_jump && error > 3 * *srtt_ + 2 * rttvar_) {
        return;
    }
    const microseconds magnitude = error < microseconds::zero() ? -error : error;
    srtt_ = *srtt_ + microseconds(floor_div(error.count(), 8));
    rttvar_ += microseconds(floor_div((magnitude - rttvar_).count(), 4));
    if (rttvar_ > rttvar_limit) {
        rttvar_ = rttvar_ceiling;
    }
}

// The rttvar reset above happens before the timeout is derived (nmap derives the timeout of the
// sample that crossed 2.3 s from the unreset value; every later one sees the reset).
// If min_rtt_timeout > max_rtt_timeout (the CLI should refuse that), the maximum wins.
microseconds RttEstimator::timeout() const {
    if (!srtt_) {
        return initial_timeout_;
    }
    microseconds result = *srtt_ + 4 * rttvar_;
    if (result < min_timeout_) {
        result = min_timeout_;
    }
    if (result > max_timeout_) {
        result = max_timeout_;
    }
    if (result < scan_delay_) {
        result = scan_delay_;
    }
    return result;
}

std::optional<microseconds> RttEstimator::srtt() const { return srtt_; }

std::optional<microseconds> RttEstimator::rttvar() const {
    if (!srtt_) {
        return std::nullopt;
    }
    return rttvar_;
}

}  // namespace portwarden::engine

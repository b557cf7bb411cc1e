#pragma once
// --max-rate and --min-rate, one meaning for both engines: probes per second sent by the whole
// run (all hosts, all connect workers together).
// * --max-rate: a token bucket of `rate` tokens a second holding at most max(1, rate / 100) (10 ms
//   worth), so a pause does not turn into a burst; a probe takes a token.
// * --min-rate: while the run has sent fewer than min_rate * elapsed probes it is behind, and
//   hosts may send past their windows and scan delays (HostControl::may_send).
// A pure class on the caller's clock (tested with a fake one); SharedSendRate wraps it in a
// mutex for the connect workers.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>

namespace portwarden::engine {

class SendRate {
public:
    using Clock = std::chrono::steady_clock;
    SendRate(double max_rate, double min_rate, Clock::time_point start);

    // Takes up to `wanted` tokens; returns how many it took (`wanted` when unlimited).
    std::size_t take(Clock::time_point now, std::size_t wanted);
    // Gives back tokens taken but not used.
    void refund(std::size_t unused);
    // When a token is next there: Clock::time_point::max() when unlimited or one is there now.
    Clock::time_point next_token(Clock::time_point now) const;
    // --min-rate: fewer than min_rate * elapsed probes sent by `now`.
    bool behind(Clock::time_point now, std::uint64_t sent) const;
    bool limited() const { return max_rate_ > 0; }

private:
    double max_rate_;
    double min_rate_;
    Clock::time_point start_;
    Clock::time_point refill_;
    double tokens_ = 0;
};

// SendRate for several threads.
class SharedSendRate {
public:
    SharedSendRate(double max_rate, double min_rate, SendRate::Clock::time_point start)
        : rate_(max_rate, min_rate, start) {}
    std::size_t take(SendRate::Clock::time_point now, std::size_t wanted);
    void refund(std::size_t unused);
    SendRate::Clock::time_point next_token(SendRate::Clock::time_point now);
    bool behind(SendRate::Clock::time_point now, std::uint64_t sent) const { return rate_.behind(now, sent); }
    bool limited() const { return rate_.limited(); }

private:
    std::mutex mutex_;
    SendRate rate_;
};

}  // namespace portwarden::engine

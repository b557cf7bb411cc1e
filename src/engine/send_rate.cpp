#include "engine/send_rate.hpp"

#include <algorithm>
#include <cmath>

namespace portwarden::engine {

SendRate::SendRate(double max_rate, double min_rate, Clock::time_point start)
    : max_rate_(std::max(max_rate, 0.0)), min_rate_(std::max(min_rate, 0.0)), start_(start), refill_(start) {}

std::size_t SendRate::take(Clock::time_point now, std::size_t wanted) {
    if (max_rate_ <= 0) {
        return wanted;
    }
    if (now > refill_) {
        const double elapsed = std::chrono::duration<double>(now - refill_).count();
        refill_ = now;
        tokens_ = std::min(tokens_ + elapsed * max_rate_, std::max(1.0, max_rate_ / 100.0));
    }
    const double whole = std::floor(std::max(tokens_, 0.0));
    const std::size_t n = std::min(wanted, static_cast<std::size_t>(whole));
    tokens_ -= static_cast<double>(n);
    return n;
}

void SendRate::refund(std::size_t unused) {
    if (max_rate_ > 0) {
        tokens_ += static_cast<double>(unused);
    }
}

SendRate::Clock::time_point SendRate::next_token(Clock::time_point now) const {
    if (max_rate_ <= 0 || tokens_ >= 1.0) {
        return Clock::time_point::max();
    }
    return now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / max_rate_));
}

bool SendRate::behind(Clock::time_point now, std::uint64_t sent) const {
    if (min_rate_ <= 0) {
        return false;
    }
    const double since_start = std::chrono::duration<double>(now - start_).count();
    return static_cast<double>(sent) < min_rate_ * since_start;
}

std::size_t SharedSendRate::take(SendRate::Clock::time_point now, std::size_t wanted) {
    if (!rate_.limited()) {
        return wanted;
    }
    const std::lock_guard lock(mutex_);
    return rate_.take(now, wanted);
}

void SharedSendRate::refund(std::size_t unused) {
    if (unused == 0 || !rate_.limited()) {
        return;
    }
    const std::lock_guard lock(mutex_);
    rate_.refund(unused);
}

SendRate::Clock::time_point SharedSendRate::next_token(SendRate::Clock::time_point now) {
    if (!rate_.limited()) {
        return SendRate::Clock::time_point::max();
    }
    const std::lock_guard lock(mutex_);
    return rate_.next_token(now);
}

}  // namespace portwarden::engine

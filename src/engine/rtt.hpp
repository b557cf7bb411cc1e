#pragma once
// Per-host round-trip-time estimator and retransmission timeout, after nmap's timing.cc
// (adjust_timeouts2), which follows RFC 6298 in integer microseconds:
//   first sample:  srtt = d, rttvar = clamp(d, 5 ms, 2 s)
//   later samples: e = d - srtt; srtt += e / 8; rttvar += (|e| - rttvar) / 4
//                  (divisions round down, like nmap's arithmetic shifts)
//   timeout = srtt + 4 * rttvar, clamped to [min_rtt_timeout, max_rtt_timeout], then raised to
//   at least scan_delay; before any sample: initial_rtt_timeout.
// Samples are ignored when d >= 8 s, when d <= -50 ms, or when e > 1.5 s and e > 3*srtt +
// 2*rttvar (a "bogus" jump). A small negative d (-50 ms < d < 0: capture clock skew) counts as
// 10 ms. rttvar above 2.3 s is reset to 2 s.
#include <chrono>
#include <optional>

#include "portwarden/scan.hpp"

namespace portwarden::engine {

class RttEstimator {
public:
    explicit RttEstimator(const Timing& timing);

    void sample(std::chrono::microseconds rtt);

    // How long to wait for a reply to the next probe.
    [[nodiscard]] std::chrono::microseconds timeout() const;
    // Smoothed RTT; empty before the first accepted sample.
    [[nodiscard]] std::optional<std::chrono::microseconds> srtt() const;
    // RTT variation; empty before the first accepted sample.
    [[nodiscard]] std::optional<std::chrono::microseconds> rttvar() const;

private:
    std::chrono::microseconds initial_timeout_;
    std::chrono::microseconds min_timeout_;
    std::chrono::microseconds max_timeout_;
    std::chrono::microseconds scan_delay_;
    std::optional<std::chrono::microseconds> srtt_;
    std::chrono::microseconds rttvar_{0};
};

}  // namespace portwarden::engine

#pragma once
// The packet source of `portwarden watch`: an AF_PACKET receive ring (both directions, so the
// host's answers are seen) behind a BPF filter, in a named network namespace or this one,
// feeding a Detector until a deadline or a stop request.
#include <chrono>
#include <functional>
#include <stop_token>
#include <string>

#include "portwarden/error.hpp"
#include "portwarden/watch.hpp"

namespace portwarden::watch {

struct CaptureOptions {
    std::string netns;      // empty: this namespace
    std::string interface;  // empty: every interface
    double duration = 0;    // seconds; 0: until stopped
};

struct CaptureCounters {
    std::uint64_t frames = 0;
    std::uint64_t malformed = 0;  // frames the bounds-checked parser refused
    std::uint64_t drops = 0;      // frames the kernel dropped (ring full)
};

// Seconds on the detector's clock since `start`.
double seconds_since(std::chrono::steady_clock::time_point start);

// Blocks until done. `ready` is called once the ring is attached (probes from then on are seen).
Result<CaptureCounters> watch_packets(const CaptureOptions& options, Detector& detector,
                                      std::chrono::steady_clock::time_point start, std::stop_token stop,
                                      const std::function<void()>& ready);

}  // namespace portwarden::watch

#pragma once
// The packet source of `portwarden watch`: an AF_PACKET receive ring (both directions, so the
// host's answers are seen) behind a BPF filter, in a named network namespace or this one,
// feeding a Detector until a deadline or a stop request.
#include <chrono>
#include <cstddef>
#include <functional>
#include <stop_token>
#include <string>

#include "portwarden/error.hpp"
#include "portwarden/watch.hpp"

namespace portwarden::watch {

// 32 MiB of ring (~200 000 frames: more than a whole -p- scan of a host with its answers): the
// watch thread may be kept off the CPU for a second on a busy machine. At load 19 on 2 cores,
// 8 MiB dropped up to 9 000 frames of a full-rate -p- scan, 16 MiB 3 000 in 1 of 4 scans, 32 MiB
// none in 6 (docs/watch-2026-12-03.md). Mapped, so it is in the RSS.
inline constexpr std::size_t kDefaultRingMb = 32;
inline constexpr std::size_t kMinRingMb = 1;
inline constexpr std::size_t kMaxRingMb = 1024;

struct CaptureOptions {
    std::string netns;      // empty: this namespace
    std::string interface;  // empty: every interface
    double duration = 0;    // seconds; 0: until stopped
    std::size_t ring_mb = kDefaultRingMb;  // receive ring, MiB (1 MiB blocks), kMinRingMb..kMaxRingMb
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

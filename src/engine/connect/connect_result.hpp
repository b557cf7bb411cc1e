#pragma once
// A connect run's host (HostRun) as a HostResult: the connect engine's, and the TCP phase of a
// -sT -sU scan (which the raw engine runs: UDP needs raw packets).
#include <chrono>
#include <cstdint>
#include <span>

#include "engine/connect/connect_run.hpp"
#include "portwarden/results.hpp"
#include "portwarden/targets.hpp"

namespace portwarden::engine {

// The settled ports of `run` (ports[i] is run.ports[i]'s number); unsettled ones are left out.
// The host's state and reason are left for the caller.
HostResult connect_host_result(const HostRun& run, std::span<const std::uint16_t> ports, const TargetSet& targets,
                               bool complete, std::chrono::system_clock::time_point start);

}  // namespace portwarden::engine

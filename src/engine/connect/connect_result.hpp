#pragma once
// A connect run's host (HostRun) as a HostResult, and the drift re-probe by connect(): the
// connect engine's, and the TCP phase of a -sT -sU scan (which the raw engine runs: UDP needs
// raw packets).
#include <chrono>
#include <cstdint>
#include <span>
#include <stop_token>
#include <vector>

#include "engine/connect/connect_run.hpp"
#include "engine/drift.hpp"
#include "portwarden/results.hpp"
#include "portwarden/targets.hpp"

namespace portwarden::engine {

// The settled ports of `run` (ports[i] is run.ports[i]'s number); unsettled ones are left out.
// The host's state and reason are left for the caller.
HostResult connect_host_result(const HostRun& run, std::span<const std::uint16_t> ports, const TargetSet& targets,
                               bool complete, std::chrono::system_clock::time_point start);

// Drift confirmation by connect() (-sT, and -sT -sU's TCP ports): `ports` probed once more on
// the held hosts; results[i] (made held.size() long) gets held[i]'s settled ones appended.
RunResult reprobe_connect(std::span<const HeldHost> held, std::span<const std::uint16_t> ports,
                          const ScanRequest& request, const RunOptions& options,
                          std::vector<std::vector<PortResult>>& results, std::stop_token stop);

}  // namespace portwarden::engine

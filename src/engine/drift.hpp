#pragma once
// Drift confirmation (ScanRequest::previous): which ports of a finished host changed since the
// history last saw them, and how a re-probe of those ports is applied. Pure functions; the
// engines do the probing.
#include <cstdint>
#include <span>
#include <vector>

#include "portwarden/scan.hpp"

namespace portwarden::engine {

// The ports of `host` (sorted by (proto, port)) whose state differs from `previous` (sorted
// the same way), with the recorded state. Ports that only one side has are not compared; nor
// are reasons (as ndiff).
std::vector<PreviousPort> changed_ports(const HostResult& host, std::span<const PreviousPort> previous);

struct DriftCounts {
    std::uint64_t reprobed = 0;
    std::uint64_t confirmed = 0;
    std::uint64_t reverted = 0;
};

// Applies a re-probe of `changed` (from changed_ports) to `host` (ports sorted by (proto, port)). `second`: the re-probe's
// results (any order; a port missing from it was not settled again, and its first result
// stands). A re-probe that finds the recorded state replaces the first result; otherwise the
// first result stands (confirmed when the re-probe agrees with it).
DriftCounts apply_reprobe(HostResult& host, std::span<const PreviousPort> changed,
                          std::span<const PortResult> second);

// A finished host held back for its re-probe.
struct HeldHost {
    HostResult host;
    std::vector<PreviousPort> changed;
};

// The ports to re-probe for a set of held hosts: the union of their changed ports, per protocol.
PortList reprobe_ports(std::span<const HeldHost> held);

}  // namespace portwarden::engine

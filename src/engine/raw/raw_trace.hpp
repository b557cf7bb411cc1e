#pragma once
// --traceroute for the raw engine: the path to each up host, found with TTL-limited copies of
// the probe that reached it (the discovery probe whose reply proved it up), many hosts at once.
//
// A probe sent with TTL t dies at the t-th router, which answers ICMP time-exceeded quoting it;
// the module that built the probe validates that error statelessly (the quote carries our
// cookie), and its try number is t: the TTL rides in the try field, so the reply says which hop
// it is. The number of routers comes from the host's reply TTL (HostResult::hops); hop
// routers + 1 is the host itself.
//
// Routers rate-limit time-exceeded errors (Linux: a burst of about 6, then one per second per
// destination), so tracing every host of a /24 hop by hop would take minutes. As nmap does,
// hosts are consolidated: hosts with the same router count and the same first hop (next-hop
// MAC) form a group; one host of it is traced at every TTL, the others only at their last
// router, and a host whose last router is the traced host's gets that host's lower hops. A hop
// nobody answered stays without an address (printed "..." as nmap does).
#include <cstdint>
#include <stop_token>
#include <string>
#include <vector>

#include "engine/raw/raw_discovery.hpp"
#include "engine/raw/raw_io.hpp"
#include "engine/raw/raw_run.hpp"
#include "portwarden/results.hpp"

namespace portwarden::engine {

struct TraceTarget {
    RawTarget target;
    RawColumn probe;                              // the module and port that reached the host
    const net::ProbeTemplate* tmpl = nullptr;     // that probe's template for the host's family
    std::uint8_t routers = 0;                     // from the reply TTL
    std::uint32_t srtt_us = 0;                    // the host's own round trip (its hop's RTT)
};

struct TraceResult {
    std::vector<std::vector<TraceHop>> paths;  // per target: TTL 1 .. routers + 1 (the host)
    std::uint64_t probes_sent = 0;
    bool stopped = false;
    std::string fatal_error;
};

// At most max_ttl - 1 routers are traced (the try field limits the TTL: max_ttl is the
// context's max_tries). Bounded: three rounds of probes, each waiting at most `round_wait`.
TraceResult trace_paths(RawIo& io, const techniques::ScanContext& context,
                        const std::vector<TraceTarget>& targets, std::chrono::milliseconds round_wait,
                        std::stop_token stop);

// "tcp", "udp" or "icmp": the protocol of a probe module, for <trace proto>.
std::string trace_proto(const techniques::Module& module);

// The paths of a host group's up hosts (enabled, not local), each traced with the discovery
// probe that proved it up (verdict.column into `columns`).
struct GroupPaths {
    std::vector<std::vector<TraceHop>> paths;  // per host of the group (empty: not traced)
    std::vector<const RawColumn*> probe;       // the probe of each path (nullptr: none)
    std::uint64_t probes_sent = 0;
    bool stopped = false;
    std::string fatal_error;
    void attach(HostResult& result, std::size_t host) const;  // trace, trace_proto, trace_port
};
GroupPaths trace_group(RawIo& io, const techniques::ScanContext& context, const std::vector<RawTarget>& targets,
                       const std::vector<bool>& enabled, const std::vector<HostVerdict>& verdicts,
                       const std::vector<RawColumn>& columns, const RawTemplates& templates,
                       std::stop_token stop);

}  // namespace portwarden::engine

#pragma once
// Raw host discovery for one host group (nmap's -PE -PP -PS -PA -PU, ARP/ND on the local link):
// which hosts are up, the reason that proved each, and the TTL of that reply.
//   1. Our own addresses are up without a probe (localhost-response).
//   2. Directly attached hosts on an Ethernet link: the ARP / Neighbour Solicitation we send
//      decides (arp-response / nd-response; no answer: down), unless --disable-arp-ping.
//   3. Everyone else gets the IP probes in one RawRun in ping mode: the first reply that proves
//      the host up (any matched RST or SYN-ACK, an echo or timestamp reply, a UDP reply, an ICMP
//      error from the host itself) finishes it. ICMP errors from routers settle a probe but
//      prove nothing (a hint); a host with no proof is down, reason no-response.
#include <cstdint>
#include <functional>
#include <optional>
#include <stop_token>
#include <vector>

#include "engine/raw/raw_run.hpp"
#include "engine/raw/raw_setup.hpp"
#include "portwarden/scan.hpp"

namespace portwarden::engine {

// The modules discovery may use (for open_raw_environment) and the columns of its ping run.
std::vector<const techniques::Module*> discovery_modules(const DiscoveryProbes& probes);
std::vector<RawColumn> discovery_columns(const DiscoveryProbes& probes);

struct HostVerdict {
    bool up = false;
    Reason reason = Reason::no_response;
    std::optional<std::uint8_t> ttl;  // of the reply that proved it up (none for ARP/ND, local)
    std::optional<std::uint32_t> srtt_us;  // round trip of the IP pings
    std::optional<std::size_t> column;     // the ping column whose reply proved it up
};

struct DiscoveryResult {
    std::vector<HostVerdict> hosts;  // one per target
    RawCounters counters;
    bool stopped = false;
    std::string fatal_error;
};

// How a ping run reaches the network: `io` (null: the environment's), and `all_sent` for its
// hooks (see RawRunHooks).
struct DiscoveryIo {
    RawIo* io = nullptr;
    std::function<void()> all_sent;
};

// `targets[i]` is nullopt when the next hop did not answer ARP/ND (the host is unreachable).
DiscoveryResult discover_hosts(RawEnvironment& env, const std::vector<Address>& addresses,
                               const std::vector<std::optional<RawTarget>>& targets,
                               const std::vector<RawColumn>& columns, const RawTemplates& templates,
                               const DiscoveryProbes& probes, const Timing& timing, std::uint64_t seed,
                               std::stop_token stop, const DiscoveryIo& via = {});

}  // namespace portwarden::engine

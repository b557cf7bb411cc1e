#pragma once
// Port lists with nmap syntax: "22,80,1000-2000", "-" (all), "T:22,U:53", "-100", "60000-", names ("http").
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "portwarden/error.hpp"
#include "portwarden/state.hpp"

namespace portwarden {

class ServiceNames;

struct PortList {
    std::vector<std::uint16_t> tcp;  // sorted, unique
    std::vector<std::uint16_t> udp;  // sorted, unique
    std::size_t size() const { return tcp.size() + udp.size(); }
    bool empty() const { return tcp.empty() && udp.empty(); }
};

struct PortProtocols {
    bool tcp = true;
    bool udp = false;
};

// Unprefixed ports go to every protocol in `scanned`; T:/U: ports go to that protocol only
// (and are dropped if it is not scanned, as nmap does). Names are looked up in `services`
// (may be null: then names are an error). Errors name the bad token.
Result<PortList> parse_ports(std::string_view spec, PortProtocols scanned, const ServiceNames* services);
// The same, asking `services` for the names only when the spec names a service (the services
// file can then be read on another thread meanwhile). It may return null.
using ServiceLookup = std::function<const ServiceNames*()>;
Result<PortList> parse_ports(std::string_view spec, PortProtocols scanned, const ServiceLookup& services);

// The n most frequently open ports from the ranked list we ship (src/targets/top_ports_data.cpp).
PortList top_ports(std::size_t n, PortProtocols scanned);
// The same ranked by `ranking` (nmap-services' frequency column: nmap's own top ports) for each
// protocol it ranks; the built-in list for a protocol it does not (or when it is null).
PortList top_ports(std::size_t n, PortProtocols scanned, const ServiceNames* ranking);
std::span<const std::uint16_t> top_tcp_ports_ranked();
std::span<const std::uint16_t> top_udp_ports_ranked();

// Removes every port of `excluded` from `ports`.
PortList without(const PortList& ports, const PortList& excluded);

}  // namespace portwarden

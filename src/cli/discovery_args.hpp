#pragma once
// The host-discovery flags of `scan` and `discover` (nmap's -sn, -PE -PP -PS -PA -PU -PR,
// --disable-arp-ping, --discovery-ignore-rst, --traceroute) and the probe set they make.
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "portwarden/error.hpp"
#include "portwarden/scan.hpp"
#include "portwarden/services.hpp"

namespace portwarden::cli {

struct DiscoveryArgs {
    bool ping_only = false;
    bool ping_echo = false;
    bool ping_timestamp = false;
    bool ping_arp = false;
    std::vector<std::string> ping_syn;
    std::vector<std::string> ping_ack;
    std::vector<std::string> ping_udp;
    bool disable_arp_ping = false;
    bool discovery_ignore_rst = false;
    bool traceroute = false;
};

void define_discovery_flags(CLI::App& app, DiscoveryArgs& d);

// The probes of raw host discovery. Any -P option replaces nmap's default set
// (-PE -PS443 -PA80 -PP) with exactly the probes it names; -Pn with a -P option is an error.
Result<DiscoveryProbes> build_discovery(const DiscoveryArgs& a, bool skip_discovery, const ServiceLookup& services);

}  // namespace portwarden::cli

#pragma once
// Network distance and --traceroute results, as nmap 7.93 reports them (output.cc:
// printosscanoutput's "Network Distance", printtraceroute_normal, printtraceroute_xml).
// Shared by the text, XML and JSON writers; grepable output has neither (as in nmap).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "portwarden/results.hpp"

namespace portwarden::output {

// nmap's "Network Distance": the routers on the way plus the host itself (1 = same link).
std::optional<unsigned> network_distance(const HostResult& host);

// A hop's round trip in milliseconds with two decimals (nmap's "%.2f"): 120 us -> "0.12".
std::string rtt_ms(std::uint32_t rtt_us);

// The probe a trace used, named as nmap names it.
struct TraceProbe {
    std::string_view proto;            // "tcp", "udp", "icmp", "ipv6-icmp"; empty: no probe was
                                       // sent (a directly connected host)
    unsigned number = 0;               // its IP protocol number
    std::optional<std::uint16_t> port; // tcp and udp only
};
TraceProbe trace_probe(const HostResult& host);

// Text output: "Network Distance: 3 hops\n" (empty without hops), and the TRACEROUTE section
// after a blank line (empty without a trace), silent hops as nmap's "..." rows.
std::string distance_text(const HostResult& host);
std::string traceroute_text(const HostResult& host);

}  // namespace portwarden::output

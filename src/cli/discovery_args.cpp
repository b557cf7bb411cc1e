#include "cli/discovery_args.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "cli/cli11_parse.hpp"

#include "portwarden/ports.hpp"

namespace portwarden::cli {

void define_discovery_flags(CLI::App& app, DiscoveryArgs& d) {
    add_flags(app, {
        {"--ping-only", &d.ping_only, "-sn: host discovery only, no port scan"},
        {"--ping-echo", &d.ping_echo, "-PE: ICMP echo ping"},
        {"--ping-timestamp", &d.ping_timestamp, "-PP: ICMP timestamp ping (IPv4)"},
        {"--ping-arp", &d.ping_arp, "-PR: ARP / ND ping (on a directly attached link; the default there)"},
        {"--ping-syn", &d.ping_syn, "-PS[PORTS]: TCP SYN ping (default port 80)"},
        {"--ping-ack", &d.ping_ack, "-PA[PORTS]: TCP ACK ping (default port 80)"},
        {"--ping-udp", &d.ping_udp, "-PU[PORTS]: UDP ping (default port 40125)"},
        {"--traceroute", &d.traceroute,
         "raw scans: the path to every up host (TTL-limited copies of the ping that reached it)"},
        {"--disable-arp-ping", &d.disable_arp_ping, "on-link hosts: IP pings decide, not ARP/ND"},
        {"--discovery-ignore-rst", &d.discovery_ignore_rst,
         "a RST does not prove a host up (for networks whose firewall forges RSTs)"},
    });
}

Result<DiscoveryProbes> build_discovery(const DiscoveryArgs& a, bool skip_discovery, const ServiceLookup& services) {
    DiscoveryProbes d;
    d.arp = !a.disable_arp_ping;
    d.ignore_rst = a.discovery_ignore_rst;
    const bool chosen = a.ping_echo || a.ping_timestamp || a.ping_arp || !a.ping_syn.empty() ||
                        !a.ping_ack.empty() || !a.ping_udp.empty();
    if (!chosen) {
        return d;
    }
    if (skip_discovery) {
        return fail("-Pn skips host discovery; it cannot go with -PE/-PP/-PS/-PA/-PU/-PR");
    }
    const auto ports_of = [&](const std::vector<std::string>& specs, const char* flag,
                              bool udp) -> Result<std::vector<std::uint16_t>> {
        std::vector<std::uint16_t> out;
        for (const auto& spec : specs) {
            auto parsed = parse_ports(spec, PortProtocols{!udp, udp}, services);
            if (!parsed) {
                return fail(fmt::format("{}: {}", flag, parsed.error().message));
            }
            const auto& list = udp ? parsed->udp : parsed->tcp;
            out.insert(out.end(), list.begin(), list.end());
        }
        std::sort(out.begin(), out.end());
        out.erase(std::unique(out.begin(), out.end()), out.end());
        return out;
    };
    auto syn = ports_of(a.ping_syn, "-PS", false);
    auto ack = ports_of(a.ping_ack, "-PA", false);
    auto udp = ports_of(a.ping_udp, "-PU", true);
    for (const auto* r : {&syn, &ack, &udp}) {
        if (!*r) {
            return tl::unexpected(r->error());
        }
    }
    d.icmp_echo = a.ping_echo;
    d.icmp_timestamp = a.ping_timestamp;
    d.syn_ports = std::move(*syn);
    d.ack_ports = std::move(*ack);
    d.udp_ports = std::move(*udp);
    d.arp = a.ping_arp || !a.disable_arp_ping;
    return d;
}

}  // namespace portwarden::cli

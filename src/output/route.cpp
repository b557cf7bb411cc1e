#include "output/route.hpp"

#include <vector>

#include <fmt/format.h>

#include "output/text_table.hpp"

namespace portwarden::output {
namespace {

constexpr unsigned ip_proto_icmp = 1;
constexpr unsigned ip_proto_tcp = 6;
constexpr unsigned ip_proto_udp = 17;
constexpr unsigned ip_proto_icmpv6 = 58;

// "TRACEROUTE (using port 443/tcp)", "TRACEROUTE (using proto 1/icmp)", or "TRACEROUTE" when
// the host is on our link and no probe was needed.
std::string trace_header(const TraceProbe& probe) {
    if (probe.port) {
        return fmt::format("TRACEROUTE (using port {}/{})\n", *probe.port, probe.proto);
    }
    if (!probe.proto.empty()) {
        return fmt::format("TRACEROUTE (using proto {}/{})\n", probe.number, probe.proto);
    }
    return "TRACEROUTE\n";
}

}  // namespace

std::optional<unsigned> network_distance(const HostResult& host) {
    if (!host.hops) {
        return std::nullopt;
    }
    return *host.hops + 1U;
}

std::string rtt_ms(std::uint32_t rtt_us) { return fmt::format("{:.2f}", static_cast<double>(rtt_us) / 1000.0); }

TraceProbe trace_probe(const HostResult& host) {
    if (host.trace_proto == "tcp") {
        return {"tcp", ip_proto_tcp, host.trace_port};
    }
    if (host.trace_proto == "udp") {
        return {"udp", ip_proto_udp, host.trace_port};
    }
    if (host.trace_proto == "icmp") {
        return host.address.is_v4() ? TraceProbe{"icmp", ip_proto_icmp, std::nullopt}
                                    : TraceProbe{"ipv6-icmp", ip_proto_icmpv6, std::nullopt};
    }
    return {};
}

std::string distance_text(const HostResult& host) {
    const std::optional<unsigned> distance = network_distance(host);
    if (!distance) {
        return {};
    }
    return fmt::format("Network Distance: {} hop{}\n", *distance, *distance == 1 ? "" : "s");
}

std::string traceroute_text(const HostResult& host) {
    if (host.trace.empty()) {
        return {};  // nmap: "No trace, must be localhost"
    }
    std::vector<std::vector<std::string>> rows{{"HOP", "RTT", "ADDRESS"}};
    auto hop = host.trace.begin();
    while (hop != host.trace.end()) {
        if (hop->address) {
            rows.push_back({fmt::format("{}", hop->ttl), rtt_ms(hop->rtt_us) + " ms", hop->address->to_string()});
            ++hop;
            continue;
        }
        // A run of silent hops is one row: "3   ..." or "3   ... 5".
        const std::uint8_t first = hop->ttl;
        std::uint8_t last = first;
        for (; hop != host.trace.end() && !hop->address; ++hop) {
            last = hop->ttl;
        }
        rows.push_back({fmt::format("{}", first), first == last ? std::string("...") : fmt::format("... {}", last)});
    }
    std::string out = "\n";  // appended: GCC 12 -O3 misreads "\n" + std::string (-Wrestrict)
    out += trace_header(trace_probe(host));
    out += render_table(rows);
    return out;
}

}  // namespace portwarden::output

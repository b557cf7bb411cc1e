#include "engine/drift.hpp"

#include <algorithm>

namespace portwarden::engine {

std::vector<PreviousPort> changed_ports(const HostResult& host, std::span<const PreviousPort> previous) {
    std::vector<PreviousPort> out;
    for (const PortResult& p : host.ports) {
        const auto it = std::lower_bound(previous.begin(), previous.end(), p.port,
                                         [](const PreviousPort& a, std::uint16_t port) { return a.port < port; });
        if (it != previous.end() && it->port == p.port && it->state != p.state) {
            out.push_back(*it);
        }
    }
    std::sort(out.begin(), out.end(), [](const PreviousPort& a, const PreviousPort& b) { return a.port < b.port; });
    return out;
}

DriftCounts apply_reprobe(HostResult& host, std::span<const PreviousPort> changed,
                          std::span<const PortResult> second) {
    DriftCounts counts;
    for (const PreviousPort& was : changed) {
        const auto first = std::find_if(host.ports.begin(), host.ports.end(),
                                        [&](const PortResult& p) { return p.port == was.port; });
        if (first == host.ports.end()) {
            continue;
        }
        ++counts.reprobed;
        const auto again = std::find_if(second.begin(), second.end(), [&](const PortResult& p) {
            return p.port == was.port && p.proto == first->proto;
        });
        if (again == second.end()) {
            continue;  // not settled again: the first result stands, unconfirmed
        }
        if (again->state == first->state) {
            ++counts.confirmed;
        } else if (again->state == was.state) {
            ++counts.reverted;
            *first = *again;
        }
    }
    return counts;
}

std::vector<std::uint16_t> reprobe_ports(std::span<const HeldHost> held) {
    std::vector<std::uint16_t> ports;
    for (const HeldHost& h : held) {
        for (const PreviousPort& p : h.changed) {
            ports.push_back(p.port);
        }
    }
    std::sort(ports.begin(), ports.end());
    ports.erase(std::unique(ports.begin(), ports.end()), ports.end());
    return ports;
}

}  // namespace portwarden::engine

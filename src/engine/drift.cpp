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
    return out;  // in host.ports' order: sorted by port
}

DriftCounts apply_reprobe(HostResult& host, std::span<const PreviousPort> changed,
                          std::span<const PortResult> second) {
    // Looked up by binary search (a scan's HostResult holds one protocol, sorted by port), so a
    // host whose every port changed (a firewall appeared) costs n log n, not n squared.
    std::vector<PortResult> again(second.begin(), second.end());
    std::sort(again.begin(), again.end(), [](const PortResult& a, const PortResult& b) { return a.port < b.port; });
    const auto find = [&](auto& ports, std::uint16_t port) {
        const auto it = std::lower_bound(ports.begin(), ports.end(), port,
                                         [](const PortResult& a, std::uint16_t p) { return a.port < p; });
        return it != ports.end() && it->port == port ? it : ports.end();
    };
    DriftCounts counts;
    for (const PreviousPort& was : changed) {
        const auto first = find(host.ports, was.port);
        if (first == host.ports.end()) {
            continue;
        }
        ++counts.reprobed;
        const auto re = find(again, was.port);
        if (re == again.end()) {
            continue;  // not settled again: the first result stands, unconfirmed
        }
        if (re->state == first->state) {
            ++counts.confirmed;
        } else if (re->state == was.state) {
            ++counts.reverted;
            *first = *re;
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

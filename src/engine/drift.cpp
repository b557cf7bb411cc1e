#include "engine/drift.hpp"

#include <algorithm>
#include <utility>

namespace portwarden::engine {

namespace {

// Ports and recorded ports in (proto, port) order.
auto key(const PortResult& p) { return std::pair(p.proto, p.port); }
auto key(const PreviousPort& p) { return std::pair(p.proto, p.port); }

template <class Ports>
auto find_port(Ports& ports, std::pair<Proto, std::uint16_t> which) {
    const auto it = std::lower_bound(ports.begin(), ports.end(), which,
                                     [](const auto& a, const auto& k) { return key(a) < k; });
    return it != ports.end() && key(*it) == which ? it : ports.end();
}

}  // namespace

std::vector<PreviousPort> changed_ports(const HostResult& host, std::span<const PreviousPort> previous) {
    std::vector<PreviousPort> out;
    const auto by_key = [](const auto& a, const auto& b) { return key(a) < key(b); };
    std::vector<PreviousPort> sorted;
    if (!std::is_sorted(previous.begin(), previous.end(), by_key)) {
        sorted.assign(previous.begin(), previous.end());
        std::sort(sorted.begin(), sorted.end(), by_key);
        previous = sorted;
    }
    if (std::is_sorted(host.ports.begin(), host.ports.end(), by_key)) {
        // Both in (proto, port) order (as a scan and the history give them): one merge walk, not
        // a binary search per port (65 535 of them, each a few cache misses, for a -p- host).
        auto it = previous.begin();
        for (const PortResult& p : host.ports) {
            while (it != previous.end() && key(*it) < key(p)) {
                ++it;
            }
            if (it != previous.end() && key(*it) == key(p) && it->state != p.state) {
                out.push_back(*it);
            }
        }
        return out;
    }
    for (const PortResult& p : host.ports) {
        const auto it = find_port(previous, key(p));
        if (it != previous.end() && it->state != p.state) {
            out.push_back(*it);
        }
    }
    return out;  // in host.ports' order: sorted by (proto, port)
}

DriftCounts apply_reprobe(HostResult& host, std::span<const PreviousPort> changed,
                          std::span<const PortResult> second) {
    // Looked up by binary search (a scan's HostResult is sorted by (proto, port)), so a host
    // whose every port changed (a firewall appeared) costs n log n, not n squared.
    std::vector<PortResult> again(second.begin(), second.end());
    std::sort(again.begin(), again.end(), [](const PortResult& a, const PortResult& b) { return key(a) < key(b); });
    DriftCounts counts;
    for (const PreviousPort& was : changed) {
        const auto first = find_port(host.ports, key(was));
        if (first == host.ports.end()) {
            continue;
        }
        ++counts.reprobed;
        const auto re = find_port(again, key(was));
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

PortList reprobe_ports(std::span<const HeldHost> held) {
    PortList ports;
    for (const HeldHost& h : held) {
        for (const PreviousPort& p : h.changed) {
            (p.proto == Proto::udp ? ports.udp : ports.tcp).push_back(p.port);
        }
    }
    for (auto* list : {&ports.tcp, &ports.udp}) {
        std::sort(list->begin(), list->end());
        list->erase(std::unique(list->begin(), list->end()), list->end());
    }
    return ports;
}

}  // namespace portwarden::engine

#include "output/port_summary.hpp"

#include <algorithm>
#include <array>
#include <iterator>

namespace portwarden::output {
namespace {

constexpr std::size_t base_max_per_state = 25;

std::size_t index_of(PortState s) { return static_cast<std::size_t>(s); }

// nmap PortList::isIgnoredState for a port scan (not an IP protocol scan, no -d).
bool is_ignored(PortState state, std::size_t count, IgnoreRule rule) {
    if (state == PortState::open || count == 0) {
        return false;
    }
    if (state == PortState::open_filtered && rule.verbosity > 2) {
        return false;
    }
    if (rule.open_only && state != PortState::open_filtered && state != PortState::unfiltered) {
        return true;
    }
    std::size_t max_per_state = base_max_per_state;
    if (rule.verbosity > 0) {
        max_per_state *= static_cast<std::size_t>(rule.verbosity) + 1;
    }
    return count > max_per_state;
}

// nmap groups the ports of a state by (reason, protocol) in port order, then merge-sorts the
// groups by count, most first; its merge takes the later group on ties, so tied groups come
// out in reverse order of first appearance.
std::vector<ReasonGroup> reason_groups(const std::vector<const PortResult*>& ports, PortState state) {
    std::vector<ReasonGroup> groups;
    for (const PortResult* p : ports) {
        if (p->state != state) {
            continue;
        }
        auto it = std::find_if(groups.begin(), groups.end(), [&](const ReasonGroup& g) {
            return g.reason == p->reason && g.proto == p->proto;
        });
        if (it == groups.end()) {
            groups.push_back(ReasonGroup{p->reason, p->proto, {}});
            it = std::prev(groups.end());
        }
        it->ports.push_back(p->port);
    }
    std::reverse(groups.begin(), groups.end());
    std::stable_sort(groups.begin(), groups.end(), [](const ReasonGroup& a, const ReasonGroup& b) {
        return a.ports.size() > b.ports.size();
    });
    return groups;
}

}  // namespace

bool possibly_open(PortState s) {
    return s == PortState::open || s == PortState::open_filtered || s == PortState::unfiltered;
}

PortSummary summarize_ports(const HostResult& host, IgnoreRule rule) {
    PortSummary summary;
    std::vector<const PortResult*> ports;
    ports.reserve(host.ports.size());
    for (const PortResult& p : host.ports) {
        ports.push_back(&p);
    }
    const auto by_proto_port = [](const PortResult* a, const PortResult* b) {
        if (a->proto != b->proto) {
            return a->proto < b->proto;
        }
        return a->port < b->port;
    };
    if (!std::is_sorted(ports.begin(), ports.end(), by_proto_port)) {  // a scan's results already are
        std::stable_sort(ports.begin(), ports.end(), by_proto_port);
    }
    summary.total = ports.size();

    std::array<std::size_t, port_state_count> counts{};
    for (const PortResult* p : ports) {
        ++counts.at(index_of(p->state));
        if (possibly_open(p->state)) {
            summary.has_open_ports = true;
        }
    }

    std::array<bool, port_state_count> ignored{};
    for (std::size_t i = 0; i < counts.size(); ++i) {
        const auto state = static_cast<PortState>(i);
        if (is_ignored(state, counts.at(i), rule)) {
            ignored.at(i) = true;
            summary.ignored.push_back(IgnoredState{state, counts.at(i), reason_groups(ports, state)});
            summary.ignored_total += counts.at(i);
        }
    }
    // nextIgnoredState: most ports first; on a tie the lower nmap state number first (our
    // enum keeps nmap's relative order for every state that can be ignored).
    std::stable_sort(summary.ignored.begin(), summary.ignored.end(),
                     [](const IgnoredState& a, const IgnoredState& b) { return a.count > b.count; });

    for (const PortResult* p : ports) {
        if (!ignored.at(index_of(p->state))) {
            summary.shown.push_back(p);
        }
    }
    return summary;
}

bool host_shown(const HostResult& host, const PortSummary& summary, IgnoreRule rule) {
    const bool open_filter_hides = rule.open_only && !summary.has_open_ports;
    if (host.state == HostState::down) {
        return rule.verbosity > 0 && !open_filter_hides;
    }
    return rule.ping_only || !open_filter_hides;
}

}  // namespace portwarden::output

#include "engine/raw/raw_discovery.hpp"

#include <algorithm>

namespace portwarden::engine {

namespace {

// Ping runs over this many hosts or more are sweeps (RawRunOptions::sweep): a silent address
// gets no retry when the answering hosts show a clean path. Smaller runs retry as nmap does.
constexpr std::size_t kSweepHosts = 4096;

void add_module(std::vector<const techniques::Module*>& out, const techniques::Module& m) {
    if (std::find(out.begin(), out.end(), &m) == out.end()) {
        out.push_back(&m);
    }
}

}  // namespace

std::vector<RawColumn> discovery_columns(const DiscoveryProbes& probes) {
    using techniques::module_for;
    std::vector<RawColumn> out;
    if (probes.icmp_echo) {
        out.push_back({0, &module_for(Technique::icmp_echo)});
    }
    if (probes.icmp_timestamp) {
        out.push_back({0, &module_for(Technique::icmp_timestamp)});
    }
    for (const auto p : probes.syn_ports) {
        out.push_back({p, &module_for(Technique::syn)});
    }
    for (const auto p : probes.ack_ports) {
        out.push_back({p, &module_for(Technique::ack)});
    }
    for (const auto p : probes.udp_ports) {
        out.push_back({p, &module_for(Technique::udp)});
    }
    return out;
}

std::vector<const techniques::Module*> discovery_modules(const DiscoveryProbes& probes) {
    std::vector<const techniques::Module*> out;
    for (const auto& column : discovery_columns(probes)) {
        add_module(out, *column.module);
    }
    return out;
}

DiscoveryResult discover_hosts(RawEnvironment& env, const std::vector<Address>& addresses,
                               const std::vector<std::optional<RawTarget>>& targets,
                               const std::vector<RawColumn>& columns, const RawTemplates& templates,
                               const DiscoveryProbes& probes, const Timing& timing, std::uint64_t seed,
                               std::stop_token stop, const DiscoveryIo& via) {
    DiscoveryResult out;
    out.hosts.resize(addresses.size());
    std::vector<RawTarget> run_targets;
    run_targets.reserve(addresses.size());
    RawRunOptions options;
    options.ping = true;
    options.ignore_rst = probes.ignore_rst;
    options.seed = seed;
    options.max_sends_per_cell = env.context.max_tries;
    options.disabled_hosts = std::vector<bool>(addresses.size(), true);  // not assign(): GCC 12 -O3 warns
    const bool ethernet = env.link == io::LinkKind::ethernet;
    for (std::size_t i = 0; i < addresses.size(); ++i) {
        run_targets.push_back(targets[i].value_or(RawTarget{addresses[i], {}}));
        HostVerdict& v = out.hosts[i];
        if (!targets[i]) {
            continue;  // the next hop never answered ARP/ND: down
        }
        if (targets[i]->local) {
            v = {true, Reason::localhost_response, std::nullopt, std::nullopt, std::nullopt};
        } else if (targets[i]->on_link && ethernet && probes.arp) {
            v = {true, addresses[i].is_v4() ? Reason::arp_response : Reason::nd_response, std::nullopt,
                 std::nullopt, std::nullopt};
        } else {
            options.disabled_hosts[i] = false;  // the IP pings decide
        }
    }
    const auto pinged = static_cast<std::size_t>(
        std::count(options.disabled_hosts.begin(), options.disabled_hosts.end(), false));
    if (pinged == 0 || columns.empty()) {
        return out;
    }
    options.sweep = pinged >= kSweepHosts;
    RawRun ping(run_targets, columns, templates, env.context, timing, options, via.io != nullptr ? *via.io : *env.io);
    RawRunHooks hooks;
    hooks.all_sent = via.all_sent;
    const auto r = ping.run(hooks, stop);
    out.counters = r.counters;
    out.stopped = r.stopped;
    out.fatal_error = r.fatal_error;
    for (std::size_t i = 0; i < addresses.size(); ++i) {
        if (!options.disabled_hosts[i] && ping.host_up(i)) {
            out.hosts[i] = {true, ping.host_up_reason(i), ping.host_up_ttl(i), std::nullopt,
                            ping.host_up_column(i)};
            if (const auto srtt = ping.control(i).srtt()) {
                out.hosts[i].srtt_us = static_cast<std::uint32_t>(srtt->count());
            }
        }
    }
    return out;
}

}  // namespace portwarden::engine

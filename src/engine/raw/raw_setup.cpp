#include "engine/raw/raw_setup.hpp"


#include <net/if.h>

#include <algorithm>
#include <array>
#include <random>
#include <set>
#include <utility>

#include <fmt/format.h>

namespace portwarden::engine {

namespace {

net::SipKey random_key() {
    std::random_device rd;
    std::array<std::uint8_t, 16> bytes{};
    for (auto& b : bytes) {
        b = static_cast<std::uint8_t>(rd());
    }
    return net::SipKey::from_bytes(bytes);
}

// The route of the first target of `family` that is not one of our own addresses (those are
// reached through lo, whatever interface the others use); looks at a few targets at most.
Result<std::optional<io::Route>> first_route(const TargetSet& targets, Family family, int oif) {
    constexpr std::uint64_t kLook = 8;
    std::optional<io::Route> local;
    std::uint64_t looked = 0;
    for (std::uint64_t i = 0; i < targets.size() && looked < kLook; ++i) {
        const Address address = targets.at(i);
        if (address.family() != family) {
            continue;
        }
        ++looked;
        auto route = io::route_to(address, oif);
        if (!route) {
            return tl::unexpected(route.error());
        }
        if (!route->local) {
            return std::optional<io::Route>(std::move(*route));
        }
        local = std::move(*route);
    }
    return local;
}

std::optional<net::EthernetAddresses> link_header(const io::Route& route) {
    switch (route.link) {
        case io::LinkKind::ethernet: return net::EthernetAddresses{route.if_mac, net::MacAddress{}};
        case io::LinkKind::loopback: return net::EthernetAddresses{};
        case io::LinkKind::raw_ip: break;
    }
    return std::nullopt;
}

// -e, -g, --ttl into the environment and context (-S is applied per family's route).
Result<void> apply_source_options(RawEnvironment& env, const RawSourceOptions& source) {
    if (!source.interface.empty()) {
        const unsigned index = ::if_nametoindex(source.interface.c_str());
        if (index == 0 || index > 0x7fffffffU) {
            return fail(fmt::format("-e {}: no such interface", source.interface));
        }
        env.forced_ifindex = static_cast<int>(index);
    }
    if (source.source_port) {
        // One source port: the try can no longer ride in it (every reply reads as try 0).
        env.context.source_port_base = *source.source_port;
        env.context.source_port_count = 1;
    }
    if (source.ttl) {
        env.context.ttl = *source.ttl;
    }
    env.forced_source = source.source.has_value();
    return {};
}

}  // namespace

Result<RawEnvironment> open_raw_environment(const TargetSet& targets, const Timing& timing, bool udp,
                                            const std::vector<const techniques::Module*>& modules,
                                            const RawSourceOptions& source, int min_tries) {
    RawEnvironment env;
    env.context.key = random_key();
    const int tries = udp ? 60 : std::clamp(timing.max_retries + 1, 1, 60);
    env.context.max_tries = static_cast<std::uint8_t>(std::clamp(std::max(tries, udp ? 60 : 2), min_tries, 60));
    if (auto applied = apply_source_options(env, source); !applied) {
        return tl::unexpected(applied.error());
    }
    std::optional<io::Route> first;
    for (const Family family : {Family::v4, Family::v6}) {
        auto found = first_route(targets, family, env.forced_ifindex);
        if (!found) {
            return tl::unexpected(found.error());
        }
        if (!*found) {
            continue;
        }
        auto route = std::move(*found);
        if (first && first->ifindex != route->ifindex) {
            return fail(fmt::format("IPv4 targets leave through {} and IPv6 targets through {}; scan them separately",
                                    first->ifname, route->ifname));
        }
        if (source.source && source.source->family() == family) {
            route->source = *source.source;  // -S
        }
        if (family == Family::v4) {
            env.context.source_v4 = route->source;
            env.context.ethernet_v4 = link_header(*route);
            env.route_v4 = *route;
        } else {
            env.context.source_v6 = route->source;
            env.context.ethernet_v6 = link_header(*route);
            env.route_v6 = *route;
        }
        if (!first) {
            first = *route;
        }
    }
    if (!first) {
        return fail("no targets to scan");
    }
    env.link = first->link;
    env.ifindex = first->ifindex;
    env.ifname = first->ifname;
    // Setting up the receive ring waits for an RCU grace period (packet_set_ring() calls
    // synchronize_net(), ~8-16 ms): the link reads a ring-less socket until the caller's
    // start_ring() has it (after the privilege drop). The neighbour socket has no ring, and
    // waits for nothing; it is bound only when a next hop must be asked on the wire (until
    // then no frame of the scan goes through its filter).
    auto link = LinkIo::open(*first, env.context, modules);
    if (!link) {
        return fail(fmt::format("{}: {}", first->ifname, link.error().message));
    }
    env.io = std::move(*link);
    if (env.link == io::LinkKind::ethernet) {
        auto neighbour =
            io::RxSocket::open_deferred(env.ifindex, env.link, io::neighbour_filter(), neighbour_ring_options());
        if (!neighbour) {
            return fail(fmt::format("{}: {}", first->ifname, neighbour.error().message));
        }
        env.io->set_neighbour_rx(std::make_unique<io::RxSocket>(std::move(*neighbour)));
    }
    return env;
}

Result<RawTemplates> make_templates(const RawEnvironment& env, const std::vector<RawColumn>& columns) {
    RawTemplates out;
    out.index.assign(columns.size() * 2, RawTemplates::kNone);
    std::map<std::tuple<const techniques::Module*, Family, std::uint32_t>, std::uint32_t> made;
    std::optional<std::pair<const techniques::Module*, std::uint32_t>> last;  // the previous column's
    for (std::size_t c = 0; c < columns.size(); ++c) {
        const std::pair key_of_column{columns[c].module, columns[c].module->template_variant(columns[c].port)};
        if (c > 0 && last == key_of_column) {  // the usual case (one template for every port): no map look-up
            out.index[c * 2] = out.index[c * 2 - 2];
            out.index[c * 2 + 1] = out.index[c * 2 - 1];
            continue;
        }
        last = key_of_column;
        for (const Family family : {Family::v4, Family::v6}) {
            if (!env.context.source(family)) {
                continue;
            }
            const auto* module = columns[c].module;
            if (!module->supports(family)) {
                continue;  // e.g. no ICMPv6 timestamp: that family's hosts skip this probe
            }
            const auto key = std::make_tuple(module, family, key_of_column.second);
            auto it = made.find(key);
            if (it == made.end()) {
                auto tmpl = module->make_template(env.context, family, columns[c].port);
                if (!tmpl) {
                    return tl::unexpected(tmpl.error());
                }
                out.unique.push_back(std::move(*tmpl));
                it = made.emplace(key, static_cast<std::uint32_t>(out.unique.size() - 1)).first;
            }
            out.index[c * 2 + (family == Family::v6 ? 1 : 0)] = it->second;
        }
    }
    return out;
}

Result<std::vector<std::optional<RawTarget>>> resolve_targets(RawEnvironment& env,
                                                              const std::vector<Address>& addresses,
                                                              bool arp_ping) {
    std::vector<std::optional<RawTarget>> out(addresses.size());
    std::vector<Address> hops(addresses.size());
    std::vector<bool> on_link(addresses.size(), false);
    std::vector<io::NeighbourQuery> queries;
    std::set<Address> asked;
    std::set<Address> fresh;  // asked on the wire: the kernel's table is not taken for an answer
    io::RouteLookup routes;
    for (std::size_t i = 0; i < addresses.size(); ++i) {
        auto route = routes.route_to(addresses[i], env.forced_ifindex);
        if (!route) {
            return tl::unexpected(route.error());
        }
        if (route->local && route->ifindex != env.ifindex) {
            // One of our own addresses while the scan runs on another interface (a LAN scan that
            // includes us): up without a probe (nmap: localhost-response). A scan of 127.0.0.1
            // or of our own address alone runs on lo and probes it like any host.
            out[i] = RawTarget{addresses[i], net::MacAddress{}, false, true};
            continue;
        }
        on_link[i] = !route->gateway.has_value();
        const auto& source = env.context.source(addresses[i].family());
        if (route->ifindex != env.ifindex || !source || (route->source != *source && !env.forced_source)) {
            return fail(fmt::format("{} is reached through {} from {}, the scan uses {}; scan it separately",
                                    addresses[i].to_string(), route->ifname, route->source.to_string(),
                                    env.ifname));
        }
        hops[i] = route->next_hop();
        const bool ask_wire = arp_ping && on_link[i];
        if (env.link != io::LinkKind::ethernet || (!ask_wire && env.next_hop_macs.count(hops[i]) != 0) ||
            (ask_wire && fresh.count(hops[i]) != 0) || !asked.insert(hops[i]).second) {
            continue;
        }
        if (ask_wire) {
            fresh.insert(hops[i]);
            env.next_hop_macs.erase(hops[i]);
        }
        queries.push_back(io::NeighbourQuery{hops[i], route->source, route->if_mac, ask_wire});
    }
    if (!queries.empty()) {
        io::RxSocket* const neighbour_rx = env.io->neighbour_rx();
        if (neighbour_rx == nullptr) {
            return fail(fmt::format("{}: no neighbour socket", env.ifname));
        }
        auto macs = io::resolve_neighbours(env.ifindex, env.io->tx(), *neighbour_rx, queries);
        if (!macs) {
            return tl::unexpected(macs.error());
        }
        for (const auto& [hop, mac] : *macs) {
            env.next_hop_macs[hop] = mac;
        }
    }
    for (std::size_t i = 0; i < addresses.size(); ++i) {
        if (out[i]) {
            continue;  // local
        }
        if (env.link != io::LinkKind::ethernet) {
            out[i] = RawTarget{addresses[i], net::MacAddress{}, on_link[i], false};
            continue;
        }
        const auto it = env.next_hop_macs.find(hops[i]);
        if (it != env.next_hop_macs.end()) {
            out[i] = RawTarget{addresses[i], it->second, on_link[i], false};
        }
    }
    return out;
}

}  // namespace portwarden::engine

#pragma once
// Everything a raw scan needs before its first probe: the route (interface, source address)
// per address family, the scan context (key, addresses, link headers), the probe templates of
// each column, the sockets (opened once, so privileges can be dropped right after), and the
// next-hop MAC of every target of a host group.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/raw/raw_link.hpp"
#include "engine/raw/raw_run.hpp"
#include "io/neighbour.hpp"
#include "io/packet_socket.hpp"
#include "io/route.hpp"
#include "portwarden/scan.hpp"
#include "techniques/technique.hpp"

namespace portwarden::engine {

struct RawEnvironment {
    techniques::ScanContext context;
    std::optional<io::Route> route_v4;
    std::optional<io::Route> route_v6;
    io::LinkKind link = io::LinkKind::ethernet;
    int ifindex = 0;
    std::string ifname;
    std::unique_ptr<LinkIo> io;  // also holds the ARP / NA socket (Ethernet links only)
    std::map<Address, net::MacAddress> next_hop_macs;
    int forced_ifindex = 0;   // -e: routes are asked for this interface (0: any)
    bool forced_source = false;  // -S: probes do not carry the route's source address
};

// Routes for the families in `targets`, the context and the sockets. `modules` are every module
// the scan will use (scan and ping). Errors: one line, naming the target or interface.
// `min_tries`: the context allows at least this many tries (--traceroute carries the TTL in the
// try field).
// `source`: -S/-e/-g/--ttl (routes are asked for the -e interface; -S replaces the route's
// source address in the probes and the capture filter).
Result<RawEnvironment> open_raw_environment(const TargetSet& targets, const Timing& timing, bool udp,
                                            const std::vector<const techniques::Module*>& modules,
                                            const RawSourceOptions& source = {}, int min_tries = 0);

// The templates for `columns` in the families the environment has.
Result<RawTemplates> make_templates(const RawEnvironment& env, const std::vector<RawColumn>& columns);

// Next-hop MACs of `addresses` (kernel table, then ARP/NS). Addresses that route through another
// interface or source give an error; unresolvable next hops leave the address out of the result.
// Our own addresses come back with `local` set. With `arp_ping`, directly attached targets are
// asked on the wire even when the kernel knows them: the answer is the ARP/ND ping's verdict.
Result<std::vector<std::optional<RawTarget>>> resolve_targets(RawEnvironment& env,
                                                              const std::vector<Address>& addresses,
                                                              bool arp_ping = false);

}  // namespace portwarden::engine

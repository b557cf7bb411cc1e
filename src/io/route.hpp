#pragma once
// Where a raw probe to an address leaves from: asked of the kernel's routing and neighbour
// tables over rtnetlink (RTM_GETROUTE, RTM_GETNEIGH), as `ip route get` / `ip neigh` do.
// Nothing here sends a packet to the network; only netlink messages to the kernel.
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "io/netlink.hpp"
#include "net/templates.hpp"
#include "portwarden/address.hpp"
#include "portwarden/error.hpp"

namespace portwarden::io {

// How frames look on an interface (from its ARPHRD type).
enum class LinkKind : std::uint8_t {
    ethernet,  // ARPHRD_ETHER (Ethernet, veth, bridges, VLANs): 14-byte header, needs MACs
    loopback,  // ARPHRD_LOOPBACK: Ethernet header with zero MACs
    raw_ip,    // ARPHRD_NONE / tunnels (tun, ipip, sit, gre, wireguard): frames start at IP
};

struct Route {
    Address destination;              // the address asked about
    Address source;                   // the preferred source the kernel would use
    int ifindex = 0;
    std::string ifname;
    LinkKind link = LinkKind::ethernet;
    unsigned mtu = 1500;
    net::MacAddress if_mac{};         // the interface's own MAC (ethernet; zero otherwise)
    std::optional<Address> gateway;   // next hop when not on-link; nullopt: destination is on-link
    bool local = false;               // the destination is one of our own addresses (RTN_LOCAL)

    // The address whose link-layer address frames must carry: the gateway, else the destination.
    const Address& next_hop() const { return gateway ? *gateway : destination; }
};

// The route to `destination` (RTM_GETROUTE with the interface's details from RTM_GETLINK).
// Errors name the destination: "no route to 198.18.9.9", "unreachable", ...
// `oif` (nonzero): the route through that interface (`ip route get ADDR oif IF`, nmap's -e).
Result<Route> route_to(const Address& destination, int oif = 0);

// The interface details a route carries (RTM_GETLINK).
struct LinkDetails {
    std::string name;
    LinkKind kind = LinkKind::ethernet;
    unsigned mtu = 0;
    net::MacAddress mac{};
};

// route_to for many destinations (a sweep's host group): over one netlink socket, and each
// interface's details asked once, not once per route (a /16 took 131 072 queries, each on a
// socket of its own with a 64 KB buffer; now 65 537 on one).
class RouteLookup {
public:
    Result<Route> route_to(const Address& destination, int oif = 0);

private:
    netlink::Channel channel_;
    std::map<int, LinkDetails> links_;
};

// The neighbour table's link-layer address for `next_hop` on `ifindex` when the entry is usable
// (NUD_REACHABLE, STALE, DELAY, PROBE, PERMANENT, NOARP); nullopt when absent or incomplete/failed.
Result<std::optional<net::MacAddress>> neighbour_mac(int ifindex, const Address& next_hop);

}  // namespace portwarden::io

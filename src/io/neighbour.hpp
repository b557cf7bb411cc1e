#pragma once
// Finding the link-layer address of next hops that the kernel's neighbour table does not know
// yet: we send ARP requests (IPv4) or Neighbour Solicitations (IPv6) ourselves on the scan's
// raw sockets and read the answers, as nmap does. Bounded: a few tries per address, one deadline.
#include <chrono>
#include <map>
#include <optional>
#include <vector>

#include "io/packet_socket.hpp"
#include "io/route.hpp"
#include "net/templates.hpp"
#include "portwarden/address.hpp"
#include "portwarden/error.hpp"

namespace portwarden::io {

struct NeighbourQuery {
    Address next_hop;
    Address source;        // our address on that link (the route's source)
    net::MacAddress our_mac{};
    bool fresh = false;    // ask the wire even when the kernel's table knows it (ARP/ND ping)
};

// Resolves every query on an Ethernet interface: the kernel's table first (neighbour_mac), then
// ARP/NS requests for the rest, `tries` times each, `interval` apart. Addresses that never
// answer are absent from the result. `rx` must admit ARP and ICMPv6 neighbour advertisements
// (use neighbour_filter()); one opened with open_deferred() is attached before the first request.
Result<std::map<Address, net::MacAddress>> resolve_neighbours(
    int ifindex, TxSocket& tx, RxSocket& rx, const std::vector<NeighbourQuery>& queries,
    int tries = 3, std::chrono::milliseconds interval = std::chrono::milliseconds(300));

// A pcap-filter(7) expression admitting ARP replies and ICMPv6 neighbour advertisements.
std::string neighbour_filter();

}  // namespace portwarden::io

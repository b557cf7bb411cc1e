#include "io/route.hpp"

#include <linux/if_arp.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstring>

#include "io/netlink.hpp"

namespace portwarden::io {

namespace {

unsigned char family_of(const Address& address) {
    return address.is_v4() ? AF_INET : AF_INET6;
}

std::optional<Address> address_from(net::ConstBytes payload) {
    if (payload.size() == 4) {
        return Address::from_v4(net::load_be32(payload, 0).value_or(0));
    }
    if (payload.size() == 16) {
        std::array<std::uint8_t, 16> bytes{};
        std::copy(payload.begin(), payload.end(), bytes.begin());
        return Address::from_v6(bytes);
    }
    return std::nullopt;
}

std::optional<Address> address_from(std::optional<net::ConstBytes> payload) {
    return payload ? address_from(*payload) : std::nullopt;
}

// RTA_VIA (a next hop of the other family, RFC 5549): u16 family, then the address.
std::optional<Address> via_address(std::optional<net::ConstBytes> payload) {
    if (!payload || payload->size() < sizeof(std::uint16_t)) {
        return std::nullopt;
    }
    return address_from(payload->subspan(sizeof(std::uint16_t)));
}

std::optional<LinkKind> link_kind(unsigned type) {
    switch (type) {
        case ARPHRD_ETHER:
            return LinkKind::ethernet;
        case ARPHRD_LOOPBACK:
            return LinkKind::loopback;
        case ARPHRD_NONE:     // tun, wireguard
        case ARPHRD_RAWIP:
        case ARPHRD_PPP:
        case ARPHRD_TUNNEL:   // ipip, vti
        case ARPHRD_TUNNEL6:  // ip6tnl
        case ARPHRD_SIT:
        case ARPHRD_IPGRE:
        case ARPHRD_IP6GRE:
            return LinkKind::raw_ip;
        default:
            return std::nullopt;
    }
}

std::string route_type_name(unsigned type) {
    switch (type) {
        case RTN_UNREACHABLE:
            return "unreachable";
        case RTN_BLACKHOLE:
            return "a blackhole";
        case RTN_PROHIBIT:
            return "prohibited";
        case RTN_BROADCAST:
            return "broadcast";
        case RTN_MULTICAST:
        case RTN_ANYCAST:
            return "multicast";
        default:
            return "of type " + std::to_string(type);
    }
}

using LinkInfo = LinkDetails;

Result<LinkInfo> link_info(int ifindex, const std::string& what) {
    ifinfomsg request{};
    request.ifi_family = AF_UNSPEC;
    request.ifi_index = ifindex;
    const auto reply =
        netlink::query(netlink::Request(RTM_GETLINK, NLM_F_REQUEST).body(request), RTM_NEWLINK);
    const std::string where = what + ": interface " + std::to_string(ifindex);
    if (!reply) {
        return fail(where + ": " + std::strerror(reply.error()));
    }
    const auto message = netlink::parse_message<ifinfomsg>(*reply);
    if (!message) {
        return fail(where + ": malformed rtnetlink reply");
    }
    const auto& header = message->header;
    const auto& attributes = message->attributes;
    LinkInfo info;
    if (const auto name = netlink::find(attributes, IFLA_IFNAME)) {
        const auto end = std::find(name->begin(), name->end(), std::uint8_t{0});
        info.name.assign(name->begin(), end);
    }
    const auto kind = link_kind(header.ifi_type);
    if (!kind) {
        return fail(where + " (" + info.name + ") has unsupported link type " +
                    std::to_string(header.ifi_type));
    }
    info.kind = *kind;
    info.mtu = netlink::as_u32(netlink::find(attributes, IFLA_MTU)).value_or(1500);
    const auto mac = netlink::find(attributes, IFLA_ADDRESS);
    if (info.kind == LinkKind::ethernet) {
        if (!mac || mac->size() != info.mac.size()) {
            return fail(where + " (" + info.name + ") has no MAC address");
        }
        std::copy(mac->begin(), mac->end(), info.mac.begin());
    }
    return info;
}

}  // namespace

Result<Route> route_to(const Address& destination, int via_ifindex) {
    return RouteLookup{}.route_to(destination, via_ifindex);
}

Result<Route> RouteLookup::route_to(const Address& destination, int via_ifindex) {
    const std::string what = "no route to " + destination.to_string();
    rtmsg request{};
    request.rtm_family = family_of(destination);
    request.rtm_dst_len = destination.is_v4() ? 32 : 128;
    netlink::Request message_out(RTM_GETROUTE, NLM_F_REQUEST);
    message_out.body(request).attribute(RTA_DST, destination.bytes());
    if (via_ifindex > 0) {
        const auto index = std::bit_cast<std::array<std::uint8_t, 4>>(static_cast<std::uint32_t>(via_ifindex));
        message_out.attribute(RTA_OIF, index);
    }
    const auto reply = channel_.query(message_out, RTM_NEWROUTE);
    if (!reply) {
        return fail(what + ": " + std::strerror(reply.error()));
    }
    const auto message = netlink::parse_message<rtmsg>(*reply);
    if (!message) {
        return fail(what + ": malformed rtnetlink reply");
    }
    const auto& header = message->header;
    const auto& attributes = message->attributes;
    if (header.rtm_type != RTN_UNICAST && header.rtm_type != RTN_LOCAL) {
        return fail(what + ": the route is " + route_type_name(header.rtm_type));
    }
    const auto oif = netlink::as_u32(netlink::find(attributes, RTA_OIF));
    if (!oif || *oif == 0 || *oif > 0x7fffffffU) {
        return fail(what + ": the kernel named no interface");
    }
    Route route;
    route.destination = destination;
    route.ifindex = static_cast<int>(*oif);
    route.local = header.rtm_type == RTN_LOCAL;
    route.gateway = address_from(netlink::find(attributes, RTA_GATEWAY));
    if (!route.gateway) {
        route.gateway = via_address(netlink::find(attributes, RTA_VIA));
    }
    const auto source = address_from(netlink::find(attributes, RTA_PREFSRC));
    if (source && source->family() == destination.family()) {
        route.source = *source;
    } else if (route.local) {
        route.source = destination;
    } else {
        return fail(what + ": the kernel chose no source address");
    }
    auto known = links_.find(route.ifindex);
    if (known == links_.end()) {
        auto link = link_info(route.ifindex, "route to " + destination.to_string());
        if (!link) {
            return tl::unexpected(link.error());
        }
        known = links_.emplace(route.ifindex, std::move(*link)).first;
    }
    const LinkDetails* const link = &known->second;
    route.ifname = link->name;
    route.link = link->kind;
    route.mtu = link->mtu;
    route.if_mac = link->mac;
    // A route may carry a smaller MTU of its own (ip route ... mtu N).
    if (const auto metrics = netlink::find(attributes, RTA_METRICS)) {
        if (const auto nested = netlink::parse_attributes(*metrics)) {
            const auto mtu = netlink::as_u32(netlink::find(*nested, RTAX_MTU));
            if (mtu && *mtu > 0) {
                route.mtu = std::min(route.mtu, *mtu);
            }
        }
    }
    return route;
}

Result<std::optional<net::MacAddress>> neighbour_mac(int ifindex, const Address& next_hop) {
    ndmsg request{};
    request.ndm_family = family_of(next_hop);
    request.ndm_ifindex = ifindex;
    const auto reply = netlink::query(
        netlink::Request(RTM_GETNEIGH, NLM_F_REQUEST).body(request).attribute(NDA_DST,
                                                                              next_hop.bytes()),
        RTM_NEWNEIGH);
    const std::string what = "neighbour table lookup of " + next_hop.to_string() +
                             " on interface " + std::to_string(ifindex);
    if (!reply) {
        if (reply.error() == ENOENT) {
            return std::optional<net::MacAddress>{};
        }
        return fail(what + ": " + std::strerror(reply.error()));
    }
    const auto message = netlink::parse_message<ndmsg>(*reply);
    if (!message) {
        return fail(what + ": malformed rtnetlink reply");
    }
    const auto& header = message->header;
    const auto& attributes = message->attributes;
    constexpr unsigned usable =
        NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT | NUD_NOARP;
    const auto lladdr = netlink::find(attributes, NDA_LLADDR);
    if ((header.ndm_state & usable) == 0 || !lladdr || lladdr->size() != 6) {
        return std::optional<net::MacAddress>{};
    }
    net::MacAddress mac{};
    std::copy(lladdr->begin(), lladdr->end(), mac.begin());
    return std::optional<net::MacAddress>{mac};
}

}  // namespace portwarden::io

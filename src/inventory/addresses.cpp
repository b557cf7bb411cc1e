// The addresses of a namespace's interfaces (portwarden/inventory.hpp host_addresses): an
// RTM_GETADDR dump over rtnetlink, in this namespace or, on a short-lived thread, a named one.
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstring>

#include <fmt/format.h>

#include "inventory/netns.hpp"
#include "io/netlink.hpp"
#include "portwarden/inventory.hpp"

namespace portwarden {
namespace {

namespace nl = io::netlink;

std::optional<Address> address_of(const nl::Message<ifaddrmsg>& m) {
    // IFA_LOCAL is the interface's own address on point-to-point links; IFA_ADDRESS otherwise.
    auto payload = nl::find(m.attributes, IFA_LOCAL);
    if (!payload) {
        payload = nl::find(m.attributes, IFA_ADDRESS);
    }
    if (!payload) {
        return std::nullopt;
    }
    if (m.header.ifa_family == AF_INET && payload->size() == 4) {
        const std::uint32_t v4 = std::uint32_t{(*payload)[0]} << 24 | std::uint32_t{(*payload)[1]} << 16 |
                                 std::uint32_t{(*payload)[2]} << 8 | std::uint32_t{(*payload)[3]};
        return Address::from_v4(v4);
    }
    if (m.header.ifa_family == AF_INET6 && payload->size() == 16) {
        std::array<std::uint8_t, 16> bytes{};
        std::copy(payload->begin(), payload->end(), bytes.begin());
        return Address::from_v6(bytes);
    }
    return std::nullopt;
}

Result<std::vector<Address>> addresses_here() {
    ifaddrmsg request{};
    request.ifa_family = AF_UNSPEC;
    const auto message = nl::Request(RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP).body(request);
    const auto replies = nl::dump(NETLINK_ROUTE, message, RTM_NEWADDR);
    if (!replies) {
        return fail(fmt::format("cannot list the interfaces' addresses (RTM_GETADDR): {}", std::strerror(replies.error())));
    }
    std::vector<Address> out;
    for (const auto& reply : *replies) {
        const auto parsed = nl::parse_message<ifaddrmsg>(reply);
        if (!parsed) {
            return fail("cannot list the interfaces' addresses: a malformed RTM_NEWADDR reply");
        }
        if (const auto a = address_of(*parsed)) {
            out.push_back(*a);
        }
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

}  // namespace

Result<std::vector<Address>> host_addresses(const std::string& netns) {
    if (netns.empty()) {
        return addresses_here();
    }
    return inv::in_netns(netns, [] { return addresses_here(); });
}

}  // namespace portwarden

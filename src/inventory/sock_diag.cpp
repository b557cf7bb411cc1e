#include "inventory/sock_diag.hpp"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "io/netlink.hpp"

namespace portwarden::inv {
namespace {

// tcp_states.h (not exported to user space): LISTEN for TCP, CLOSE for an unconnected UDP socket.
constexpr std::uint32_t kTcpListen = 10;
constexpr std::uint32_t kTcpClose = 7;

std::optional<std::string> device_name(std::uint32_t index) {
    if (index == 0) {
        return std::nullopt;
    }
    std::array<char, IF_NAMESIZE> name{};
    if (::if_indextoname(index, name.data()) == nullptr) {
        return std::to_string(index);  // the interface went away meanwhile
    }
    return std::string(name.data());
}

std::optional<Listener> listener_of(net::ConstBytes payload, Proto proto) {
    const auto message = io::netlink::parse_message<inet_diag_msg>(payload);
    if (!message) {
        return std::nullopt;
    }
    const inet_diag_msg& m = message->header;
    Listener l;
    l.proto = proto;
    std::array<std::uint8_t, 16> bytes{};
    std::memcpy(bytes.data(), m.id.idiag_src, bytes.size());
    if (m.idiag_family == AF_INET) {
        l.address = Address::from_v4(ntohl(m.id.idiag_src[0]));
    } else {
        l.address = Address::from_v6(bytes);
        const auto v6only = io::netlink::find(message->attributes, INET_DIAG_SKV6ONLY);
        l.v6only = v6only && !v6only->empty() && (*v6only)[0] != 0;
    }
    l.port = ntohs(m.id.idiag_sport);
    l.device = device_name(m.id.idiag_if);
    l.socket_uid = m.idiag_uid;
    l.inode = m.idiag_inode;
    l.bind = classify_bind(l.address, l.device);
    l.exposure = exposure_without_firewall(l);
    return l;
}

Result<void> dump_one(std::uint8_t family, Proto proto, std::vector<Listener>& out) {
    inet_diag_req_v2 request{};
    request.sdiag_family = family;
    request.sdiag_protocol = proto == Proto::tcp ? IPPROTO_TCP : IPPROTO_UDP;
    request.idiag_states = 1U << (proto == Proto::tcp ? kTcpListen : kTcpClose);
    const auto message = io::netlink::Request(SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP).body(request);
    auto replies = io::netlink::dump(NETLINK_SOCK_DIAG, message, SOCK_DIAG_BY_FAMILY);
    for (int retry = 0; retry < 2 && !replies && replies.error() == EINTR; ++retry) {
        // The kernel flagged the dump as interrupted (sockets came or went): take it again.
        replies = io::netlink::dump(NETLINK_SOCK_DIAG, message, SOCK_DIAG_BY_FAMILY);
    }
    if (!replies) {
        return fail(fmt::format("sock_diag dump of {} {} sockets: {}", family == AF_INET ? "IPv4" : "IPv6",
                                to_string(proto), std::strerror(replies.error())));
    }
    for (const auto& reply : *replies) {
        auto l = listener_of(reply, proto);
        if (!l) {
            return fail("sock_diag: the kernel sent a malformed inet_diag message");
        }
        out.push_back(std::move(*l));
    }
    return {};
}

}  // namespace

Result<std::vector<Listener>> dump_sockets() {
    std::vector<Listener> out;
    for (const Proto proto : {Proto::tcp, Proto::udp}) {
        for (const std::uint8_t family : {std::uint8_t{AF_INET}, std::uint8_t{AF_INET6}}) {
            auto done = dump_one(family, proto, out);
            if (!done) {
                return tl::unexpected(done.error());
            }
        }
    }
    return out;
}

}  // namespace portwarden::inv

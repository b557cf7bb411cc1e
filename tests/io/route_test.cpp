// route_to / neighbour_mac against the namespace run_io_tests.sh built (see its header).
#include <gtest/gtest.h>

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "io/route.hpp"
#include "io_support.hpp"

namespace portwarden::iotest {
namespace {

using io::LinkKind;

TEST(Route, ViaGatewayV4) {
    const auto route = io::route_to(addr("198.18.201.5"));
    ASSERT_TRUE(route.has_value()) << route.error().message;
    EXPECT_EQ(route->destination, addr("198.18.201.5"));
    EXPECT_EQ(route->source, addr(env("A_V4")));
    ASSERT_TRUE(route->gateway.has_value());
    EXPECT_EQ(*route->gateway, addr(env("B_V4")));
    EXPECT_EQ(route->next_hop(), addr(env("B_V4")));
    EXPECT_EQ(route->ifindex, ifindex(env("A_IF")));
    EXPECT_EQ(route->ifname, env("A_IF"));
    EXPECT_EQ(route->link, LinkKind::ethernet);
    EXPECT_EQ(route->if_mac, mac(env("A_MAC")));
    EXPECT_EQ(route->mtu, std::stoul(env("MTU")));
    EXPECT_FALSE(route->local);
}

TEST(Route, OnLinkV4HasNoGateway) {
    const auto route = io::route_to(addr(env("B_V4")));
    ASSERT_TRUE(route.has_value()) << route.error().message;
    EXPECT_FALSE(route->gateway.has_value());
    EXPECT_EQ(route->next_hop(), addr(env("B_V4")));
    EXPECT_EQ(route->source, addr(env("A_V4")));
    EXPECT_EQ(route->ifname, env("A_IF"));
}

TEST(Route, RouteMtuMetricWins) {
    const auto route = io::route_to(addr("198.18.203.9"));
    ASSERT_TRUE(route.has_value()) << route.error().message;
    EXPECT_EQ(route->mtu, std::stoul(env("ROUTE_MTU")));
    EXPECT_EQ(route->ifname, env("A_IF"));
}

TEST(Route, LoopbackV4) {
    const auto route = io::route_to(addr("127.0.0.1"));
    ASSERT_TRUE(route.has_value()) << route.error().message;
    EXPECT_EQ(route->link, LinkKind::loopback);
    EXPECT_TRUE(route->local);
    EXPECT_EQ(route->ifname, "lo");
    EXPECT_EQ(route->ifindex, ifindex("lo"));
    EXPECT_EQ(route->source, addr("127.0.0.1"));
    EXPECT_EQ(route->if_mac, net::MacAddress{});
}

TEST(Route, OwnAddressIsLocalViaLoopback) {
    const auto route = io::route_to(addr(env("A_V4")));
    ASSERT_TRUE(route.has_value()) << route.error().message;
    EXPECT_TRUE(route->local);
    EXPECT_EQ(route->link, LinkKind::loopback);
}

TEST(Route, ViaGatewayV6) {
    const auto route = io::route_to(addr("fd00:0:0:201::5"));
    ASSERT_TRUE(route.has_value()) << route.error().message;
    EXPECT_EQ(route->source, addr(env("A_V6")));
    ASSERT_TRUE(route->gateway.has_value());
    EXPECT_EQ(*route->gateway, addr(env("B_V6")));
    EXPECT_EQ(route->ifindex, ifindex(env("A_IF")));
    EXPECT_EQ(route->ifname, env("A_IF"));
    EXPECT_EQ(route->link, LinkKind::ethernet);
    EXPECT_EQ(route->if_mac, mac(env("A_MAC")));
    EXPECT_EQ(route->mtu, std::stoul(env("MTU")));
}

TEST(Route, OnLinkV6HasNoGateway) {
    const auto route = io::route_to(addr(env("B_V6")));
    ASSERT_TRUE(route.has_value()) << route.error().message;
    EXPECT_FALSE(route->gateway.has_value());
    EXPECT_EQ(route->source, addr(env("A_V6")));
}

TEST(Route, LoopbackV6) {
    const auto route = io::route_to(addr("::1"));
    ASSERT_TRUE(route.has_value()) << route.error().message;
    EXPECT_EQ(route->link, LinkKind::loopback);
    EXPECT_TRUE(route->local);
    EXPECT_EQ(route->source, addr("::1"));
}

TEST(Route, TunIsRawIp) {
    const auto route = io::route_to(addr("198.18.202.2"));
    ASSERT_TRUE(route.has_value()) << route.error().message;
    EXPECT_EQ(route->link, LinkKind::raw_ip);
    EXPECT_EQ(route->ifname, env("TUN_IF"));
    EXPECT_EQ(route->source, addr("198.18.202.1"));
    EXPECT_EQ(route->if_mac, net::MacAddress{});
}

TEST(Route, UnroutableIsAnErrorNamingTheDestination) {
    for (const char* target : {"198.19.99.1", "fd00:0:0:299::1"}) {
        const auto route = io::route_to(addr(target));
        ASSERT_FALSE(route.has_value()) << target;
        EXPECT_NE(route.error().message.find(target), std::string::npos)
            << route.error().message;
        EXPECT_EQ(route.error().message.find('\n'), std::string::npos);
    }
}

bool send_udp(const Address& peer) {
    addrinfo hints{};
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    hints.ai_socktype = SOCK_DGRAM;
    addrinfo* found = nullptr;
    if (::getaddrinfo(peer.to_string().c_str(), "9", &hints, &found) != 0) {
        return false;
    }
    const int fd = ::socket(found->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    const char byte = 0;
    const bool sent = fd >= 0 && ::sendto(fd, &byte, 1, 0, found->ai_addr, found->ai_addrlen) == 1;
    ::freeaddrinfo(found);
    if (fd >= 0) {
        ::close(fd);
    }
    return sent;
}

// Waits (bounded) for the kernel's neighbour entry to become usable.
std::optional<net::MacAddress> wait_for_entry(int index, const Address& hop) {
    for (int i = 0; i < 50; ++i) {
        const auto entry = io::neighbour_mac(index, hop);
        EXPECT_TRUE(entry.has_value()) << entry.error().message;
        if (entry && *entry) {
            return *entry;
        }
        std::this_thread::sleep_for(20ms);
    }
    return std::nullopt;
}

TEST(Neighbour, AbsentAfterFlushPresentAfterKernelTraffic) {
    const int index = ifindex(env("A_IF"));
    for (const std::string& peer : {env("B_V4"), env("B_V6")}) {
        ASSERT_EQ(shell("ip neigh flush dev " + env("A_IF")), 0);
        ASSERT_EQ(shell("ip -6 neigh flush dev " + env("A_IF")), 0);
        const auto before = io::neighbour_mac(index, addr(peer));
        ASSERT_TRUE(before.has_value()) << before.error().message;
        EXPECT_FALSE(before->has_value()) << peer;
        // A datagram sent through the kernel makes it resolve the peer itself.
        ASSERT_TRUE(send_udp(addr(peer))) << peer;
        const auto after = wait_for_entry(index, addr(peer));
        ASSERT_TRUE(after.has_value()) << peer;
        EXPECT_EQ(*after, mac(env("B_MAC"))) << peer;
    }
}

TEST(Neighbour, PermanentEntryIsReadAndIncompleteIsNot) {
    const int index = ifindex(env("A_IF"));
    ASSERT_EQ(shell("ip neigh replace 198.18.200.77 lladdr 02:00:00:00:00:77 nud permanent dev " +
                    env("A_IF")),
              0);
    const auto entry = io::neighbour_mac(index, addr("198.18.200.77"));
    ASSERT_TRUE(entry.has_value()) << entry.error().message;
    ASSERT_TRUE(entry->has_value());
    EXPECT_EQ(**entry, (net::MacAddress{2, 0, 0, 0, 0, 0x77}));
    ASSERT_EQ(shell("ip neigh del 198.18.200.77 dev " + env("A_IF")), 0);
    // A failed/incomplete entry has no usable address.
    ASSERT_EQ(shell("ip neigh replace 198.18.200.78 nud incomplete dev " + env("A_IF")), 0);
    const auto incomplete = io::neighbour_mac(index, addr("198.18.200.78"));
    ASSERT_TRUE(incomplete.has_value()) << incomplete.error().message;
    EXPECT_FALSE(incomplete->has_value());
    (void)shell("ip neigh del 198.18.200.78 dev " + env("A_IF"));
}

}  // namespace
}  // namespace portwarden::iotest

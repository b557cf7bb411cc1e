// TxSocket / RxSocket on the veth pair and on loopback: frames really cross to the peer
// namespace, the peer's kernel answers, the filter and PACKET_IGNORE_OUTGOING hold.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "io/packet_socket.hpp"
#include "io_support.hpp"
#include "net/packet_view.hpp"

namespace portwarden::iotest {
namespace {

using io::LinkKind;

net::EthernetAddresses a_to_b() { return {mac(env("A_MAC")), mac(env("B_MAC"))}; }

std::vector<std::uint8_t> syn_to_b(const std::string& family, std::uint16_t sport,
                                   std::uint16_t dport, std::uint32_t seq) {
    return frame({addr(env(family == "v4" ? "A_V4" : "A_V6")),
                  addr(env(family == "v4" ? "B_V4" : "B_V6")), sport, dport, seq, 6, {},
                  a_to_b()});
}

io::TxSocket open_tx(int index, LinkKind kind) {
    auto tx = io::TxSocket::open(index, kind);
    if (!tx) {
        throw std::runtime_error(tx.error().message);
    }
    return std::move(*tx);
}

io::RxSocket open_rx(int index, LinkKind kind, const std::string& filter) {
    auto rx = io::RxSocket::open(index, kind, filter);
    if (!rx) {
        throw std::runtime_error(rx.error().message);
    }
    return std::move(*rx);
}

void send_all(io::TxSocket& tx, const std::vector<std::vector<std::uint8_t>>& frames) {
    std::vector<net::ConstBytes> spans(frames.begin(), frames.end());
    const auto sent = tx.send(spans);
    ASSERT_TRUE(sent.has_value()) << sent.error().message;
    ASSERT_EQ(*sent, frames.size());
}

// The RST a closed port answers a SYN with, parsed (ethernet frames).
std::optional<net::ParsedPacket> find_rst(const std::vector<std::vector<std::uint8_t>>& frames,
                                          std::uint16_t from_port, std::uint16_t to_port) {
    for (const auto& f : frames) {
        const auto parsed = net::parse_frame(f, net::LinkType::ethernet);
        if (parsed && parsed->tcp && parsed->tcp->src_port == from_port &&
            parsed->tcp->dst_port == to_port && (parsed->tcp->flags & net::kTcpRst) != 0) {
            return parsed;
        }
    }
    return std::nullopt;
}

TEST(PacketSocket, FramesArriveByteForByteInThePeerNamespace) {
    std::optional<io::RxSocket> rx_b;
    {
        const InNamespace in_b(env("NETNS_B"));
        ASSERT_TRUE(in_b.ok());
        rx_b.emplace(open_rx(ifindex(env("B_IF")), LinkKind::ethernet,
                             "udp and dst port 33434"));
    }
    io::TxSocket tx = open_tx(ifindex(env("A_IF")), LinkKind::ethernet);
    const std::vector<std::vector<std::uint8_t>> sent = {
        frame({addr(env("A_V4")), addr(env("B_V4")), 40001, 33434, 0, 17, {1, 2, 3}, a_to_b()}),
        frame({addr(env("A_V6")), addr(env("B_V6")), 40002, 33434, 0, 17, {4, 5}, a_to_b()}),
        frame({addr(env("A_V4")), addr(env("B_V4")), 40003, 33435, 0, 17, {6}, a_to_b()}),
    };
    send_all(tx, sent);
    const auto got = collect(*rx_b, 2, 2000ms);
    ASSERT_EQ(got.size(), 2U);
    EXPECT_EQ(got[0], sent[0]);
    EXPECT_EQ(got[1], sent[1]);
    // The third frame (port 33435) did not pass the filter.
    EXPECT_TRUE(collect(*rx_b, 1, 200ms).empty());
}

TEST(PacketSocket, ClosedPortRstPassesFilterAndIsCounted) {
    const int index = ifindex(env("A_IF"));
    io::RxSocket rx = open_rx(index, LinkKind::ethernet, "tcp and src host " + env("B_V4"));
    EXPECT_EQ(rx.link_type(), net::LinkType::ethernet);
    io::TxSocket tx = open_tx(index, LinkKind::ethernet);
    send_all(tx, {syn_to_b("v4", 41000, 7, 0x11223344)});
    const auto got = collect(rx, 1, 2000ms);
    ASSERT_EQ(got.size(), 1U);
    const auto rst = find_rst(got, 7, 41000);
    ASSERT_TRUE(rst.has_value());
    EXPECT_EQ(rst->src, addr(env("B_V4")));
    EXPECT_EQ(rst->tcp->ack, 0x11223345U);
    EXPECT_EQ(rx.take_stats().packets, 1U);
    EXPECT_EQ(rx.take_stats().packets, 0U);  // reading the counters resets them
}

TEST(PacketSocket, Ipv6ClosedPortRst) {
    const int index = ifindex(env("A_IF"));
    io::RxSocket rx = open_rx(index, LinkKind::ethernet, "ip6 and tcp and src port 8");
    io::TxSocket tx = open_tx(index, LinkKind::ethernet);
    send_all(tx, {syn_to_b("v6", 41001, 8, 99)});
    const auto rst = find_rst(collect(rx, 1, 2000ms), 8, 41001);
    ASSERT_TRUE(rst.has_value());
    EXPECT_EQ(rst->src, addr(env("B_V6")));
}

TEST(PacketSocket, OwnOutgoingFramesAreIgnoredAndFilterExcludes) {
    const int index = ifindex(env("A_IF"));
    io::RxSocket everything = open_rx(index, LinkKind::ethernet, "");
    io::RxSocket only_7001 = open_rx(index, LinkKind::ethernet, "tcp and src port 7001");
    io::TxSocket tx = open_tx(index, LinkKind::ethernet);
    send_all(tx, {syn_to_b("v4", 42001, 7001, 1), syn_to_b("v4", 42002, 7002, 2)});

    // Unfiltered, the peer's own chatter (MLD, router solicitations) may come too: take all
    // that arrives for a while, not just the first two frames.
    const auto all = collect(everything, 1000, 500ms);
    EXPECT_TRUE(find_rst(all, 7001, 42001).has_value());
    EXPECT_TRUE(find_rst(all, 7002, 42002).has_value());
    for (const auto& f : all) {
        const auto parsed = net::parse_frame(f, net::LinkType::ethernet);
        if (parsed && parsed->tcp) {
            EXPECT_NE(parsed->src, addr(env("A_V4"))) << "saw our own outgoing frame";
        }
    }
    const auto filtered = collect(only_7001, 2, 300ms);
    ASSERT_EQ(filtered.size(), 1U);
    EXPECT_TRUE(find_rst(filtered, 7001, 42001).has_value());
}

TEST(PacketSocket, BadFilterQuotesLibpcap) {
    const auto rx = io::RxSocket::open(ifindex(env("A_IF")), LinkKind::ethernet, "tcp and and");
    ASSERT_FALSE(rx.has_value());
    EXPECT_NE(rx.error().message.find("tcp and and"), std::string::npos) << rx.error().message;
    EXPECT_NE(rx.error().message.find("syntax error"), std::string::npos) << rx.error().message;
}

TEST(PacketSocket, UnknownInterfaceIsAnError) {
    const auto tx = io::TxSocket::open(999999, LinkKind::ethernet);
    ASSERT_FALSE(tx.has_value());
    EXPECT_NE(tx.error().message.find("999999"), std::string::npos) << tx.error().message;
    const auto rx = io::RxSocket::open(999999, LinkKind::ethernet, "tcp");
    ASSERT_FALSE(rx.has_value());
}

// On lo every frame, ours included, comes back as an incoming frame (loopback_xmit re-injects
// it), so PACKET_IGNORE_OUTGOING does not hide our own probes there: filters must tell them
// apart by port/direction. IPv4 to 127/8 and to our own addresses needs TxSocket's raw IPv4
// detour (the default sysctls drop AF_PACKET-injected IPv4 from a local source as martian).
TEST(PacketSocket, LoopbackSynGetsRstAndOwnSynIsSeenAsIncoming) {
    const int lo = ifindex("lo");
    for (const char* host : {"::1", "198.18.200.1", "fd00:0:0:200::1", "127.0.0.1"}) {
        io::RxSocket replies = open_rx(lo, LinkKind::loopback, "tcp and src port 9 and dst port 43000");
        io::RxSocket probes = open_rx(lo, LinkKind::loopback, "tcp and dst port 9");
        EXPECT_EQ(replies.link_type(), net::LinkType::ethernet);
        io::TxSocket tx = open_tx(lo, LinkKind::loopback);
        const net::EthernetAddresses zero_macs{};
        send_all(tx, {frame({addr(host), addr(host), 43000, 9, 77, 6, {}, zero_macs})});
        const auto rst = find_rst(collect(replies, 1, 2000ms), 9, 43000);
        ASSERT_TRUE(rst.has_value()) << host;
        EXPECT_EQ(rst->tcp->ack, 78U);
        const auto own = collect(probes, 1, 1000ms);
        EXPECT_EQ(own.size(), 1U) << host;
    }
}

TEST(PacketSocket, SendThroughputAndPartialCounts) {
    // Frames to a MAC nobody has: the peer's veth drops them, nothing answers.
    const int index = ifindex(env("A_IF"));
    io::TxSocket tx = open_tx(index, LinkKind::ethernet);
    const net::EthernetAddresses nobody{mac(env("A_MAC")), {0x02, 0, 0, 0, 0, 0x99}};
    const auto one = frame({addr(env("A_V4")), addr("198.18.200.99"), 44000, 9, 0, 17, {}, nobody});
    const std::vector<net::ConstBytes> batch(1024, net::ConstBytes(one));
    constexpr std::size_t total = 100000;
    std::size_t sent = 0;
    std::size_t partial_calls = 0;
    const auto started = std::chrono::steady_clock::now();
    const auto limit = started + 10s;
    while (sent < total && std::chrono::steady_clock::now() < limit) {
        const auto n = tx.send(std::span(batch).first(std::min(batch.size(), total - sent)));
        ASSERT_TRUE(n.has_value()) << n.error().message;
        partial_calls += *n < std::min(batch.size(), total - sent) ? 1U : 0U;
        sent += *n;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    EXPECT_EQ(sent, total);
    std::printf("TxSocket::send: %zu frames of %zu bytes in %.3f s = %.0f frames/s (%zu partial)\n",
                sent, one.size(), seconds, static_cast<double>(sent) / seconds, partial_calls);
}

}  // namespace
}  // namespace portwarden::iotest

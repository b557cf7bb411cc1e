// The TPACKET_V3 ring itself: many frames over many small blocks (and around the ring) come
// out complete and in order; a ring left unread overflows into the drop counter.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "io/packet_socket.hpp"
#include "io_support.hpp"
#include "net/packet_view.hpp"

namespace portwarden::iotest {
namespace {

constexpr std::uint16_t kPort = 33500;
constexpr std::size_t kFrames = 3000;

// An RxSocket in the peer namespace on its veth, admitting our test datagrams only.
io::RxSocket peer_rx(std::size_t block_size, std::size_t block_count) {
    const InNamespace in_b(env("NETNS_B"));
    if (!in_b.ok()) {
        throw std::runtime_error("cannot enter " + env("NETNS_B"));
    }
    io::RxOptions options;
    options.block_size = block_size;
    options.block_count = block_count;
    auto rx = io::RxSocket::open(ifindex(env("B_IF")), io::LinkKind::ethernet,
                                 "udp and dst port " + std::to_string(kPort), options);
    if (!rx) {
        throw std::runtime_error(rx.error().message);
    }
    return std::move(*rx);
}

// Sends kFrames datagrams numbered by source port, in small bursts so the peer's backlog
// queue (net.core.netdev_max_backlog) never overflows before the ring sees them.
void send_numbered() {
    auto tx = io::TxSocket::open(ifindex(env("A_IF")), io::LinkKind::ethernet);
    ASSERT_TRUE(tx.has_value()) << tx.error().message;
    const net::EthernetAddresses macs{mac(env("A_MAC")), mac(env("B_MAC"))};
    std::vector<std::vector<std::uint8_t>> frames;
    for (std::size_t i = 0; i < kFrames; ++i) {
        frames.push_back(frame({addr(env("A_V4")), addr(env("B_V4")),
                                static_cast<std::uint16_t>(10000 + i), kPort, 0, 17, {}, macs}));
    }
    const std::vector<net::ConstBytes> spans(frames.begin(), frames.end());
    constexpr std::size_t burst = 100;
    for (std::size_t i = 0; i < kFrames;) {
        const auto sent = tx->send(std::span(spans).subspan(i, std::min(burst, kFrames - i)));
        ASSERT_TRUE(sent.has_value()) << sent.error().message;
        i += *sent;
        std::this_thread::sleep_for(1ms);
    }
}

TEST(RxRing, EveryFrameInOrderAcrossManySmallBlocks) {
    // 16 KiB blocks hold ~120 of these frames: 3000 frames fill ~25 blocks, wrapping twice.
    io::RxSocket rx = peer_rx(16384, 12);
    std::vector<std::uint16_t> ports;
    std::thread sender(send_numbered);
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (ports.size() < kFrames && std::chrono::steady_clock::now() < deadline) {
        const auto polled = rx.poll(100ms, [&](net::ConstBytes f) {
            const auto parsed = net::parse_frame(f, net::LinkType::ethernet);
            ports.push_back(parsed && parsed->udp ? parsed->udp->src_port : 0);
        });
        ASSERT_TRUE(polled.has_value()) << polled.error().message;
    }
    sender.join();
    ASSERT_EQ(ports.size(), kFrames);
    for (std::size_t i = 0; i < kFrames; ++i) {
        ASSERT_EQ(ports[i], 10000 + i) << "frame " << i;
    }
    const io::RxStats stats = rx.take_stats();
    EXPECT_EQ(stats.packets, kFrames);
    EXPECT_EQ(stats.drops, 0U);
}

TEST(RxRing, AFullRingCountsDrops) {
    io::RxSocket rx = peer_rx(16384, 2);  // room for ~240 frames, and nobody reads
    send_numbered();
    std::this_thread::sleep_for(50ms);
    std::size_t delivered = 0;
    for (int i = 0; i < 4; ++i) {
        const auto polled = rx.poll(20ms, [&](net::ConstBytes) { ++delivered; });
        ASSERT_TRUE(polled.has_value()) << polled.error().message;
    }
    const io::RxStats stats = rx.take_stats();
    EXPECT_GT(stats.drops, 0U);
    EXPECT_LT(delivered, 400U);
    EXPECT_EQ(stats.packets, kFrames);  // every frame passed the filter: delivered or dropped
}

}  // namespace
}  // namespace portwarden::iotest

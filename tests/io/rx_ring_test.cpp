// The TPACKET_V3 ring itself: many frames over many small blocks (and around the ring) come
// out complete and in order; a ring left unread overflows into the drop counter; a socket
// opened in steps (create, set_up_ring, attach; or create, attach) receives as one opened at
// once; without a ring (block count 0) frames are read from the socket queue, just as complete
// and in order, and that queue holds a burst of 1000 frames nobody reads yet (the kernel's
// default held 256: with the 300-frame tests it lost frames whenever the reading thread was
// descheduled for a few milliseconds).
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
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
    io::RxOptions options;
    options.block_size = block_size;
    options.block_count = block_count;
    auto rx = open_on_peer("udp and dst port " + std::to_string(kPort), options);
    if (!rx) {
        throw std::runtime_error(rx.error().message);
    }
    return std::move(*rx);
}

// Sends kFrames datagrams numbered by source port, in small bursts so the peer's backlog
// queue (net.core.netdev_max_backlog) never overflows before the ring sees them.
void send_numbered(std::size_t count = kFrames) {
    auto tx = io::TxSocket::open(ifindex(env("A_IF")), io::LinkKind::ethernet);
    ASSERT_TRUE(tx.has_value()) << tx.error().message;
    const net::EthernetAddresses macs{mac(env("A_MAC")), mac(env("B_MAC"))};
    std::vector<std::vector<std::uint8_t>> frames;
    for (std::size_t i = 0; i < count; ++i) {
        frames.push_back(frame({addr(env("A_V4")), addr(env("B_V4")),
                                static_cast<std::uint16_t>(10000 + i), kPort, 0, 17, {}, macs}));
    }
    const std::vector<net::ConstBytes> spans(frames.begin(), frames.end());
    constexpr std::size_t burst = 100;
    for (std::size_t i = 0; i < count;) {
        const auto sent = tx->send(std::span(spans).subspan(i, std::min(burst, count - i)));
        ASSERT_TRUE(sent.has_value()) << sent.error().message;
        i += *sent;
        std::this_thread::sleep_for(1ms);
    }
}

// Sends `count` numbered datagrams while reading `rx`; every one must arrive, in order, and
// the socket's counters must agree.
void expect_every_frame_in_order(io::RxSocket& rx, std::size_t count) {
    std::vector<std::uint16_t> ports;
    std::thread sender([count] { send_numbered(count); });
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (ports.size() < count && std::chrono::steady_clock::now() < deadline) {
        const auto polled = rx.poll(100ms, [&](net::ConstBytes f) {
            const auto parsed = net::parse_frame(f, net::LinkType::ethernet);
            ports.push_back(parsed && parsed->udp ? parsed->udp->src_port : 0);
        });
        ASSERT_TRUE(polled.has_value()) << polled.error().message;
    }
    sender.join();
    ASSERT_EQ(ports.size(), count);
    for (std::size_t i = 0; i < count; ++i) {
        ASSERT_EQ(ports[i], 10000 + i) << "frame " << i;
    }
    const io::RxStats stats = rx.take_stats();
    EXPECT_EQ(stats.packets, count);
    EXPECT_EQ(stats.drops, 0U);
}

TEST(RxRing, EveryFrameInOrderAcrossManySmallBlocks) {
    // 16 KiB blocks hold ~120 of these frames: 3000 frames fill ~25 blocks, wrapping twice.
    io::RxSocket rx = peer_rx(16384, 12);
    expect_every_frame_in_order(rx, kFrames);
}

TEST(RxRing, CreatedThenRingedThenAttachedReceivesEveryFrame) {
    io::RxOptions options;
    options.block_size = 16384;
    options.block_count = 12;
    std::optional<io::RxSocket> rx;
    int b_index = 0;
    {
        const InNamespace in_b(env("NETNS_B"));
        ASSERT_TRUE(in_b.ok());
        auto created = io::RxSocket::create(io::LinkKind::ethernet, options);
        ASSERT_TRUE(created.has_value()) << created.error().message;
        rx.emplace(std::move(*created));
        b_index = ifindex(env("B_IF"));
    }
    ASSERT_GT(b_index, 0);
    EXPECT_TRUE(rx->ring_pending());
    // Not bound yet: nothing is queued, and polling finds nothing.
    const auto ringed = rx->set_up_ring();
    ASSERT_TRUE(ringed.has_value()) << ringed.error().message;
    EXPECT_FALSE(rx->ring_pending());
    const auto idle = rx->poll(10ms, [](net::ConstBytes) {});
    ASSERT_TRUE(idle.has_value()) << idle.error().message;
    EXPECT_EQ(*idle, 0U);
    const auto attached = rx->attach(b_index, io::LinkKind::ethernet,
                                     "udp and dst port " + std::to_string(kPort));
    ASSERT_TRUE(attached.has_value()) << attached.error().message;
    const auto again = rx->attach(b_index, io::LinkKind::ethernet, "");
    EXPECT_FALSE(again.has_value());  // attached: not again
    expect_every_frame_in_order(*rx, kFrames);
}

TEST(RxRing, AttachSetsUpTheRingOfACreatedSocket) {
    io::RxOptions options;
    options.block_size = 16384;
    options.block_count = 12;
    std::optional<io::RxSocket> rx;
    {
        const InNamespace in_b(env("NETNS_B"));
        ASSERT_TRUE(in_b.ok());
        auto created = io::RxSocket::create(io::LinkKind::ethernet, options);
        ASSERT_TRUE(created.has_value()) << created.error().message;
        rx.emplace(std::move(*created));
        const auto attached = rx->attach(ifindex(env("B_IF")), io::LinkKind::ethernet,
                                         "udp and dst port " + std::to_string(kPort));
        ASSERT_TRUE(attached.has_value()) << attached.error().message;
    }
    EXPECT_FALSE(rx->ring_pending());  // the ring was set up before the bind
    expect_every_frame_in_order(*rx, kFrames);
}

TEST(RxRing, WithoutARingFramesComeFromTheSocketQueue) {
    io::RxSocket rx = peer_rx(0, 0);  // block count 0: no ring (the ARP / ND socket's shape)
    expect_every_frame_in_order(rx, 300);
}

TEST(RxRing, ADeferredSocketSeesNothingUntilAttached) {
    io::RxOptions no_ring;
    no_ring.block_count = 0;
    std::optional<io::RxSocket> rx;
    {
        const InNamespace in_b(env("NETNS_B"));
        ASSERT_TRUE(in_b.ok());
        auto opened = io::RxSocket::open_deferred(ifindex(env("B_IF")), io::LinkKind::ethernet,
                                                  "udp and dst port " + std::to_string(kPort), no_ring);
        ASSERT_TRUE(opened.has_value()) << opened.error().message;
        rx.emplace(std::move(*opened));
        auto bad = io::RxSocket::open_deferred(ifindex(env("B_IF")), io::LinkKind::ethernet, "udp and", no_ring);
        EXPECT_FALSE(bad.has_value());  // a bad filter fails at once, not at the attach
    }
    send_numbered(50);
    std::this_thread::sleep_for(20ms);
    std::size_t early = 0;
    const auto polled = rx->poll(10ms, [&](net::ConstBytes) { ++early; });
    ASSERT_TRUE(polled.has_value()) << polled.error().message;
    EXPECT_EQ(early, 0U);
    const auto attached = rx->ensure_attached();
    ASSERT_TRUE(attached.has_value()) << attached.error().message;
    ASSERT_TRUE(rx->ensure_attached().has_value());  // once only; again is a no-op
    expect_every_frame_in_order(*rx, 300);  // numbered from the first again: none of the 50 queued
}

TEST(RxRing, WithoutARingABurstWaitsUnreadInTheSocketQueue) {
    // The neighbour socket's case: requests to a whole on-link subnet go out before the first
    // reply is read, so every reply must wait in the socket queue. 1000 frames, nobody reading.
    io::RxSocket rx = peer_rx(0, 0);
    send_numbered(1000);
    std::this_thread::sleep_for(50ms);
    std::vector<std::uint16_t> ports;
    for (int i = 0; i < 4; ++i) {
        const auto polled = rx.poll(20ms, [&](net::ConstBytes f) {
            const auto parsed = net::parse_frame(f, net::LinkType::ethernet);
            ports.push_back(parsed && parsed->udp ? parsed->udp->src_port : 0);
        });
        ASSERT_TRUE(polled.has_value()) << polled.error().message;
    }
    const io::RxStats stats = rx.take_stats();
    EXPECT_EQ(stats.drops, 0U);
    ASSERT_EQ(ports.size(), 1000U);
    for (std::size_t i = 0; i < ports.size(); ++i) {
        ASSERT_EQ(ports[i], 10000 + i) << "frame " << i;
    }
}

TEST(RxRing, ABadFilterIsAnErrorNamingTheInterface) {
    io::RxOptions options;
    options.block_size = 16384;
    options.block_count = 2;
    auto rx = open_on_peer("udp and", options);
    ASSERT_FALSE(rx.has_value());
    EXPECT_NE(rx.error().message.find("capture filter \"udp and\""), std::string::npos) << rx.error().message;
    options.block_size = 1000;  // not a multiple of the page size
    auto bad = open_on_peer("", options);
    ASSERT_FALSE(bad.has_value());
    EXPECT_NE(bad.error().message.find("raw socket on " + env("B_IF") + ": ring"), std::string::npos)
        << bad.error().message;
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

// LinkIo's hand-over from its ring-less socket to the receive ring (start_ring()): SYN probes
// to the peer, whose kernel answers each with a RST, go out in a steady stream from before
// start_ring() until well after the ring is live. Every reply is delivered exactly once (none
// missing, none twice: the frames both sockets saw during the switch are counted once), and
// the ring is what is read in the end.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <thread>
#include <vector>

#include "engine/raw/raw_link.hpp"
#include "io/route.hpp"
#include "io_support.hpp"
#include "techniques/technique.hpp"

namespace portwarden::iotest {
namespace {

TEST(LinkHandover, EveryReplyOnceAcrossTheSwitchToTheRing) {
    const Address target = addr(env("B_V4"));
    const auto route = io::route_to(target);
    ASSERT_TRUE(route.has_value()) << route.error().message;
    techniques::ScanContext context;
    context.key = net::SipKey{0x0123456789abcdefULL, 0x0fedcba987654321ULL};
    context.source_v4 = route->source;
    context.ethernet_v4 = net::EthernetAddresses{mac(env("A_MAC")), mac(env("B_MAC"))};
    const techniques::Module& syn = techniques::module_for(Technique::syn);
    auto link = engine::LinkIo::open(*route, context, {&syn});
    ASSERT_TRUE(link.has_value()) << link.error().message;
    const auto tmpl = syn.make_template(context, Family::v4, 1);
    ASSERT_TRUE(tmpl.has_value()) << tmpl.error().message;

    // Bursts of 50 probes a millisecond: 1000 before start_ring(), then on until 2000 more
    // after the ring went live (bounded: 60 000 ports, 10 s).
    const auto send_ports = [&](std::uint16_t first, std::uint16_t count) {
        std::vector<std::vector<std::uint8_t>> frames(count, std::vector<std::uint8_t>(tmpl->size()));
        for (std::uint16_t i = 0; i < count; ++i) {
            ASSERT_TRUE(tmpl->write(frames[i]));
            ASSERT_TRUE(syn.make_probe(frames[i], *tmpl, context, target, static_cast<std::uint16_t>(first + i), 0));
        }
        const std::vector<net::ConstBytes> spans(frames.begin(), frames.end());
        std::size_t done = 0;
        while (done < spans.size()) {
            const auto sent = (*link)->send(std::span(spans).subspan(done));
            ASSERT_TRUE(sent.has_value()) << sent.error().message;
            done += *sent;
        }
        std::this_thread::sleep_for(1ms);
    };
    constexpr std::uint16_t kBurst = 50;
    std::uint16_t next = 1;
    while (next <= 1000) {
        send_ports(next, kBurst);
        next += kBurst;
    }
    (*link)->start_ring();
    const auto limit = std::chrono::steady_clock::now() + 10s;
    std::uint16_t live_at = 0;
    while (next < 60000 && std::chrono::steady_clock::now() < limit && (live_at == 0 || next < live_at + 2000)) {
        if (live_at == 0 && (*link)->ring_live()) {
            live_at = next;
        }
        send_ports(next, kBurst);
        next += kBurst;
    }
    ASSERT_NE(live_at, 0) << "the ring was not live after " << next - 1 << " probes";
    const std::size_t probes = next - 1U;

    std::map<std::uint16_t, int> replies;
    std::vector<engine::CapturedReply> got;
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (replies.size() < probes && std::chrono::steady_clock::now() < deadline) {
        got.clear();
        (*link)->take_replies(got, std::chrono::steady_clock::now() + 100ms);
        for (const auto& r : got) {
            ++replies[r.reply.port];
        }
    }
    got.clear();
    (*link)->take_replies(got, std::chrono::steady_clock::now() + 200ms);  // any second copy
    for (const auto& r : got) {
        ++replies[r.reply.port];
    }
    std::size_t missing = 0;
    std::size_t twice = 0;
    for (std::size_t port = 1; port <= probes; ++port) {
        const auto it = replies.find(static_cast<std::uint16_t>(port));
        missing += it == replies.end() ? 1U : 0U;
        twice += it != replies.end() && it->second > 1 ? 1U : 0U;
    }
    EXPECT_EQ(missing, 0U) << "of " << probes << " probes; the ring went live after " << live_at - 1;
    EXPECT_EQ(twice, 0U) << "of " << probes << " probes; the ring went live after " << live_at - 1;
    EXPECT_EQ(replies.size(), probes);
    EXPECT_TRUE((*link)->ring_live());
    const engine::RawIoStats stats = (*link)->stats();
    EXPECT_EQ(stats.ring_drops, 0U);
    EXPECT_EQ(stats.unmatched, 0U);
    EXPECT_EQ(stats.frames_seen, probes);  // each frame counted once, from either socket
}

}  // namespace
}  // namespace portwarden::iotest

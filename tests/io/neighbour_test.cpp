// resolve_neighbours: our own ARP requests and Neighbour Solicitations on the veth, answered by
// the peer namespace's kernel; the kernel table first; silence comes back absent, in time.
#include <gtest/gtest.h>

#include <chrono>

#include "io/neighbour.hpp"
#include "io_support.hpp"

namespace portwarden::iotest {
namespace {

class ResolveNeighbours : public ::testing::Test {
protected:
    void SetUp() override {
        index_ = ifindex(env("A_IF"));
        ASSERT_GT(index_, 0);
        ASSERT_EQ(shell("ip neigh flush dev " + env("A_IF")), 0);
        ASSERT_EQ(shell("ip -6 neigh flush dev " + env("A_IF")), 0);
        auto tx = io::TxSocket::open(index_, io::LinkKind::ethernet);
        ASSERT_TRUE(tx.has_value()) << tx.error().message;
        tx_.emplace(std::move(*tx));
        // As the scan opens it: no ring, bound by resolve_neighbours before its first request.
        io::RxOptions no_ring;
        no_ring.block_count = 0;
        auto rx = io::RxSocket::open_deferred(index_, io::LinkKind::ethernet, io::neighbour_filter(), no_ring);
        ASSERT_TRUE(rx.has_value()) << rx.error().message;
        rx_.emplace(std::move(*rx));
    }

    io::NeighbourQuery query(const std::string& next_hop) const {
        const Address hop = addr(next_hop);
        return {hop, addr(hop.is_v4() ? env("A_V4") : env("A_V6")), mac(env("A_MAC"))};
    }

    Result<std::map<Address, net::MacAddress>> resolve(const std::vector<io::NeighbourQuery>& q,
                                                       int tries = 3,
                                                       std::chrono::milliseconds interval = 300ms) {
        return io::resolve_neighbours(index_, *tx_, *rx_, q, tries, interval);
    }

    int index_ = 0;
    std::optional<io::TxSocket> tx_;
    std::optional<io::RxSocket> rx_;
};

TEST_F(ResolveNeighbours, OverArpAndOverNeighbourSolicitation) {
    for (const std::string& peer : {env("B_V4"), env("B_V6")}) {
        const auto kernel = io::neighbour_mac(index_, addr(peer));
        ASSERT_TRUE(kernel.has_value());
        ASSERT_FALSE(kernel->has_value()) << "the kernel table was not flushed for " << peer;
        const auto found = resolve({query(peer)});
        ASSERT_TRUE(found.has_value()) << found.error().message;
        ASSERT_EQ(found->count(addr(peer)), 1U) << peer;
        EXPECT_EQ(found->at(addr(peer)), mac(env("B_MAC"))) << peer;
    }
}

TEST_F(ResolveNeighbours, KernelTableComesFirst) {
    // Nobody has .200.77: its MAC can only come from the (permanent) kernel entry.
    ASSERT_EQ(shell("ip neigh replace 198.18.200.77 lladdr 02:00:00:00:00:77 nud permanent dev " +
                    env("A_IF")),
              0);
    const auto started = std::chrono::steady_clock::now();
    const auto found = resolve({query("198.18.200.77")}, 3, 300ms);
    const auto elapsed = std::chrono::steady_clock::now() - started;
    (void)shell("ip neigh del 198.18.200.77 dev " + env("A_IF"));
    ASSERT_TRUE(found.has_value()) << found.error().message;
    ASSERT_EQ(found->count(addr("198.18.200.77")), 1U);
    EXPECT_EQ(found->at(addr("198.18.200.77")), (net::MacAddress{2, 0, 0, 0, 0, 0x77}));
    EXPECT_LT(elapsed, 100ms);  // no request was sent and waited for
}

TEST_F(ResolveNeighbours, SilentAddressesAreAbsentWithinTheBound) {
    const auto started = std::chrono::steady_clock::now();
    const auto found = resolve({query("198.18.200.99"), query("fd00:0:0:200::99")}, 2, 150ms);
    const auto elapsed = std::chrono::steady_clock::now() - started;
    ASSERT_TRUE(found.has_value()) << found.error().message;
    EXPECT_TRUE(found->empty());
    EXPECT_GE(elapsed, 280ms);   // it did wait for both tries
    EXPECT_LT(elapsed, 1000ms);  // and no longer than tries x interval (plus slack)
}

TEST_F(ResolveNeighbours, ManyAtOnceMixedFamiliesAndDuplicates) {
    const auto found = resolve({query(env("B_V4")), query(env("B_V6")), query(env("B_V4")),
                                query("198.18.200.98")},
                               2, 200ms);
    ASSERT_TRUE(found.has_value()) << found.error().message;
    EXPECT_EQ(found->size(), 2U);
    EXPECT_EQ(found->count(addr(env("B_V4"))), 1U);
    EXPECT_EQ(found->count(addr(env("B_V6"))), 1U);
}

}  // namespace
}  // namespace portwarden::iotest

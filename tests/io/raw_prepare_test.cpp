// RawPrepared: the scan's receive ring set up ahead, on a background thread, handed out once
// and only to a link whose socket type it suits (an L3-only link gets none: its scan opens a
// SOCK_DGRAM ring of its own).
#include <gtest/gtest.h>

#include "engine/raw/raw_link.hpp"
#include "engine/raw/raw_prepare.hpp"
#include "io_support.hpp"
#include "portwarden/scan.hpp"

namespace portwarden::iotest {
namespace {

TEST(RawPrepared, HandsItsRingOutOnceToAnEthernetOrLoopbackLink) {
    const std::shared_ptr<RawPrepared> prepared = prepare_raw_sockets();
    ASSERT_NE(prepared, nullptr);
    std::optional<io::RxSocket> ring = prepared->take_link(io::LinkKind::ethernet);
    ASSERT_TRUE(ring.has_value());
    EXPECT_TRUE(ring->prepared_for(io::LinkKind::ethernet, engine::link_ring_options()));
    EXPECT_FALSE(prepared->take_link(io::LinkKind::ethernet).has_value());  // once only
    // It attaches like any prepared ring.
    const auto attached = ring->attach(ifindex(env("A_IF")), io::LinkKind::ethernet, "tcp");
    ASSERT_TRUE(attached.has_value()) << attached.error().message;

    const std::shared_ptr<RawPrepared> for_lo = prepare_raw_sockets();
    EXPECT_TRUE(for_lo->take_link(io::LinkKind::loopback).has_value());  // SOCK_RAW as well
}

TEST(RawPrepared, AnL3OnlyLinkGetsNoneAndTheRingIsClosedAside) {
    const std::shared_ptr<RawPrepared> prepared = prepare_raw_sockets();
    EXPECT_FALSE(prepared->take_link(io::LinkKind::raw_ip).has_value());
    EXPECT_FALSE(prepared->take_link(io::LinkKind::ethernet).has_value());  // it is gone
}

}  // namespace
}  // namespace portwarden::iotest

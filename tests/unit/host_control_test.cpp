// HostControl: congestion window, adaptive retries and the UDP rate-limit state machine,
// driven with a synthetic clock (no I/O, no sleeping).
#include <gtest/gtest.h>

#include "engine/host_control.hpp"

namespace portwarden::engine {
namespace {

using namespace std::chrono_literals;
using Silence = HostControl::Silence;

Clock::time_point at(std::chrono::microseconds t) { return Clock::time_point{} + 1000s + t; }

HostControl make(bool udp, int max_retries = 10) {
    Timing timing;
    timing.max_retries = max_retries;
    return HostControl(timing, HostTuning::from(timing, udp));
}

TEST(HostControl, RetriesAdaptToTheDeepestAnsweredTry) {
    auto h = make(false, 10);
    EXPECT_EQ(h.allowed_tries(), 2);  // one retry by default
    h.on_send(at(0us));
    h.on_reply(at(1ms), 2, false, at(0us), std::nullopt);  // answered on the third try
    EXPECT_EQ(h.allowed_tries(), 4);
    auto capped = make(false, 1);
    capped.on_send(at(0us));
    capped.on_reply(at(1ms), 5, false, at(0us), std::nullopt);
    EXPECT_EQ(capped.allowed_tries(), 2);  // --max-retries 1
}

TEST(HostControl, SilentTriesSettleAfterTheAllowedCount) {
    auto h = make(false);
    h.on_send(at(0us));
    EXPECT_EQ(h.on_timeout(at(1s), 0, at(0us)), Silence::retry);
    h.on_send(at(1s));
    EXPECT_EQ(h.on_timeout(at(2s), 1, at(1s)), Silence::settle);
}

TEST(HostControl, ASilentHostIsNotCongested) {
    auto h = make(false);
    const double start = h.cwnd();
    for (int i = 0; i < 100; ++i) {
        h.on_send(at(0us));
    }
    for (int i = 0; i < 100; ++i) {
        (void)h.on_timeout(at(1s), 0, at(0us));
    }
    EXPECT_EQ(h.cwnd(), start + 100);
    EXPECT_EQ(h.in_flight(), 0U);
}

TEST(HostControl, AnAnsweredRetryAloneDoesNotShrinkTheWindow) {
    // nmap halves its window for every answered retry; random loss is no reason to slow down,
    // and the congestion model (congestion_test.cpp) decides on whole rounds of probes.
    auto h = make(false);
    for (int i = 0; i < 400; ++i) {
        h.on_send(at(0us));
    }
    h.on_reply(at(10ms), 0, false, at(0us), 10ms);
    const double before = h.cwnd();
    h.on_reply(at(20ms), 1, false, at(0us), std::nullopt);  // a retry answered: one loss
    EXPECT_GE(h.cwnd(), before);
    EXPECT_EQ(h.in_flight(), 398U);
}

TEST(HostControl, TcpSilenceNeverStartsRateLimitMeasuring) {
    auto h = make(false);
    h.on_send(at(0us));
    h.on_send(at(0us));
    h.on_reply(at(1ms), 0, true, at(0us), 1ms);  // an ICMP error
    EXPECT_EQ(h.on_timeout(at(200ms), 0, at(0us)), Silence::retry);
    EXPECT_EQ(h.pace_mode(), PaceMode::none);
}

TEST(HostControl, UdpRateLimitIsMeasuredThenPaced) {
    auto h = make(true);
    // Burst: 10 probes, 6 ICMP errors, then silence.
    for (int i = 0; i < 10; ++i) {
        h.on_send(at(0us));
    }
    for (int i = 0; i < 6; ++i) {
        h.on_reply(at(1ms), 0, true, at(0us), 1ms);
    }
    EXPECT_EQ(h.on_timeout(at(100ms), 0, at(0us)), Silence::retry_uncounted);
    EXPECT_EQ(h.pace_mode(), PaceMode::measuring);
    // While measuring, silence proves nothing and sends go at 50 per second.
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(h.on_timeout(at(100ms), 0, at(0us)), Silence::retry_uncounted);
    }
    h.on_send(at(110ms));
    EXPECT_FALSE(h.may_send(at(120ms)));
    EXPECT_TRUE(h.may_send(at(130ms)));
    EXPECT_EQ(h.on_timeout(at(210ms), 0, at(110ms)), Silence::retry_uncounted);
    // The limiter answers once per second: 4 errors 1 s apart end the measurement.
    for (int k = 1; k <= 4; ++k) {
        h.on_send(at(std::chrono::microseconds(k * 1000000 - 1000)));
        h.on_reply(at(std::chrono::microseconds(k * 1000000)), 0, true,
                   at(std::chrono::microseconds(k * 1000000 - 1000)), 1ms);
    }
    ASSERT_EQ(h.pace_mode(), PaceMode::paced);
    ASSERT_TRUE(h.limiter_interval());
    EXPECT_EQ(*h.limiter_interval(), 1000ms + 50ms + 2ms);
    EXPECT_TRUE(h.rate_limited());
    EXPECT_EQ(h.in_flight(), 0U);
    // Probes sent while measuring that time out now still prove nothing.
    h.on_send(at(3990ms));
    EXPECT_EQ(h.on_timeout(at(4100ms), 0, at(3990ms)), Silence::retry_uncounted);
    // Paced: one in flight, the next only when the limiter has a token again.
    EXPECT_FALSE(h.may_send(at(4500ms)));
    EXPECT_TRUE(h.may_send(at(5052ms)));
    h.on_send(at(5052ms));
    EXPECT_FALSE(h.may_send(at(5053ms)));  // window of one
    h.on_reply(at(5053ms), 0, true, at(5052ms), 1ms);
    EXPECT_FALSE(h.may_send(at(5100ms)));
    EXPECT_TRUE(h.may_send(at(6104ms)));
    // A silent paced probe used no token: the next goes at once, and the silence counts.
    h.on_send(at(6104ms));
    EXPECT_EQ(h.on_timeout(at(6204ms), 0, at(6104ms)), Silence::retry);
    EXPECT_TRUE(h.may_send(at(6204ms)));
}

TEST(HostControl, OneErrorKeepsMeasuringPastTheQuietLimit) {
    auto h = make(true);
    h.on_send(at(0us));
    h.on_send(at(0us));
    h.on_reply(at(1ms), 0, true, at(0us), 1ms);
    EXPECT_EQ(h.on_timeout(at(100ms), 0, at(0us)), Silence::retry_uncounted);
    h.on_send(at(1000ms));
    h.on_reply(at(1100ms), 0, true, at(1000ms), 1ms);  // the limiter's next token, 1 s later
    h.on_send(at(1900ms));
    EXPECT_EQ(h.on_timeout(at(2000ms), 0, at(1900ms)), Silence::retry_uncounted);
    EXPECT_EQ(h.pace_mode(), PaceMode::measuring);
}

TEST(HostControl, MeasuringWithoutErrorsRulesTheLimiterOut) {
    auto h = make(true);
    h.on_send(at(0us));
    h.on_send(at(0us));
    h.on_reply(at(1ms), 0, true, at(0us), 1ms);
    EXPECT_EQ(h.on_timeout(at(100ms), 0, at(0us)), Silence::retry_uncounted);
    h.on_send(at(200ms));
    EXPECT_EQ(h.on_timeout(at(1500ms), 0, at(200ms)), Silence::retry_uncounted);  // 1.4 s: still measuring
    h.on_send(at(1500ms));
    // 1.5 s without a single error: a firewall drops these, no limiter holds them.
    EXPECT_EQ(h.on_timeout(at(1700ms), 0, at(1500ms)), Silence::retry);
    EXPECT_EQ(h.pace_mode(), PaceMode::none);
    h.on_send(at(1800ms));
    EXPECT_EQ(h.on_timeout(at(1900ms), 1, at(1800ms)), Silence::settle);
    EXPECT_EQ(h.pace_mode(), PaceMode::none);  // never measured again
}

}  // namespace
}  // namespace portwarden::engine

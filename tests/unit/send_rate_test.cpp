// SendRate: --max-rate (a token bucket for the whole run) and --min-rate, on a synthetic clock.
#include <gtest/gtest.h>

#include "engine/send_rate.hpp"

namespace portwarden::engine {
namespace {

using namespace std::chrono_literals;
using Clock = SendRate::Clock;

const Clock::time_point t0 = Clock::time_point{} + 1000s;

TEST(SendRate, UnlimitedGivesWhatIsAsked) {
    SendRate r(0, 0, t0);
    EXPECT_EQ(r.take(t0, 512), 512U);
    EXPECT_EQ(r.next_token(t0), Clock::time_point::max());
    EXPECT_FALSE(r.behind(t0 + 1s, 0));
}

TEST(SendRate, MaxRateIsATokenBucketOfTenMilliseconds) {
    SendRate r(1000, 0, t0);  // 1000 probes/s: at most 10 tokens held
    EXPECT_EQ(r.take(t0, 512), 0U);
    EXPECT_EQ(r.next_token(t0), t0 + 1ms);
    EXPECT_EQ(r.take(t0 + 5ms, 512), 5U);
    EXPECT_EQ(r.take(t0 + 1s, 512), 10U);  // a pause does not become a burst
    r.refund(4);                           // taken, not sent
    EXPECT_EQ(r.take(t0 + 1s, 3), 3U);
    EXPECT_EQ(r.take(t0 + 1s, 512), 1U);
    // Over a second of small steps: 1000 probes, not more.
    std::size_t sent = 0;
    for (auto t = t0 + 2s; t <= t0 + 3s; t += 250us) {
        sent += r.take(t, 512);
    }
    EXPECT_NEAR(static_cast<double>(sent), 1000.0, 11.0);
}

TEST(SendRate, ASlowRateStillSendsOneAtATime) {
    SendRate r(10, 0, t0);  // less than one token per 10 ms: the bucket holds one
    EXPECT_EQ(r.take(t0 + 1s, 5), 1U);
    EXPECT_EQ(r.take(t0 + 1s + 50ms, 5), 0U);
    EXPECT_EQ(r.take(t0 + 1s + 100ms, 5), 1U);
}

TEST(SendRate, MinRateSaysWhenTheRunIsBehind) {
    SendRate r(0, 500, t0);
    EXPECT_FALSE(r.behind(t0, 0));
    EXPECT_TRUE(r.behind(t0 + 1s, 499));
    EXPECT_FALSE(r.behind(t0 + 1s, 500));
}

TEST(SendRate, SharedAmongThreadsKeepsOneBucket) {
    SharedSendRate r(1000, 0, t0);
    EXPECT_EQ(r.take(t0 + 1s, 6), 6U);
    EXPECT_EQ(r.take(t0 + 1s, 6), 4U);  // the other worker gets the rest of the 10
    r.refund(2);
    EXPECT_EQ(r.take(t0 + 1s, 6), 2U);
}

}  // namespace
}  // namespace portwarden::engine

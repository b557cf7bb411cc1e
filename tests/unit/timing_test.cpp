// -T0..-T5 templates (nmap.cc) and the RTT estimator (nmap timing.cc), with concrete numbers.
#include <gtest/gtest.h>

#include <chrono>

#include "engine/rtt.hpp"
#include "portwarden/scan.hpp"

namespace portwarden {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

struct Expected {
    microseconds initial;
    microseconds min;
    microseconds max;
    int retries;
    int parallelism;
    microseconds scan_delay;
    microseconds host_timeout;
};

void expect_timing(const Timing& t, const Expected& e) {
    EXPECT_EQ(t.initial_rtt_timeout, e.initial);
    EXPECT_EQ(t.min_rtt_timeout, e.min);
    EXPECT_EQ(t.max_rtt_timeout, e.max);
    EXPECT_EQ(t.max_retries, e.retries);
    EXPECT_EQ(t.max_parallelism, e.parallelism);
    EXPECT_EQ(t.scan_delay, e.scan_delay);
    EXPECT_EQ(t.host_timeout, e.host_timeout);
    EXPECT_EQ(t.max_rate, 0.0);
}

constexpr microseconds zero{0};

TEST(TimingTemplate, Paranoid) {
    expect_timing(Timing::from_template(0),
                  {minutes(5), milliseconds(100), minutes(5), 10, 1, minutes(5), zero});
}

TEST(TimingTemplate, Sneaky) {
    expect_timing(Timing::from_template(1),
                  {seconds(15), milliseconds(100), seconds(15), 10, 1, seconds(15), zero});
}

TEST(TimingTemplate, Polite) {
    expect_timing(Timing::from_template(2), {seconds(1), milliseconds(100), seconds(10), 10, 1,
                                             milliseconds(400), zero});
}

TEST(TimingTemplate, NormalIsTheDefault) {
    const Expected normal{seconds(1), milliseconds(100), seconds(10), 10, 0, zero, zero};
    expect_timing(Timing::from_template(3), normal);
    expect_timing(Timing{}, normal);
}

TEST(TimingTemplate, Aggressive) {
    expect_timing(Timing::from_template(4), {milliseconds(500), milliseconds(100),
                                             milliseconds(1250), 6, 0, zero, zero});
}

TEST(TimingTemplate, Insane) {
    expect_timing(Timing::from_template(5), {milliseconds(250), milliseconds(50),
                                             milliseconds(300), 2, 0, zero, minutes(15)});
}

TEST(TimingTemplate, InvalidLevelsGiveNormalWithoutClamping) {
    const Expected normal{seconds(1), milliseconds(100), seconds(10), 10, 0, zero, zero};
    for (const int level : {-1, 6, 9, 100, -100}) {
        SCOPED_TRACE(level);
        expect_timing(Timing::from_template(level), normal);
    }
}

TEST(TimingTemplate, EveryLevelIsConsistent) {
    for (int level = 0; level <= 5; ++level) {
        SCOPED_TRACE(level);
        const Timing t = Timing::from_template(level);
        EXPECT_LE(t.min_rtt_timeout, t.initial_rtt_timeout);
        EXPECT_LE(t.initial_rtt_timeout, t.max_rtt_timeout);
        EXPECT_GE(t.max_retries, 0);
    }
}

// ---- RTT estimator ----

using engine::RttEstimator;

microseconds us(long value) { return microseconds(value); }

TEST(RttEstimator, BeforeAnySampleUsesTheInitialTimeout) {
    const RttEstimator normal(Timing::from_template(3));
    EXPECT_EQ(normal.timeout(), seconds(1));
    EXPECT_FALSE(normal.srtt().has_value());
    EXPECT_FALSE(normal.rttvar().has_value());
    EXPECT_EQ(RttEstimator(Timing::from_template(0)).timeout(), minutes(5));
    EXPECT_EQ(RttEstimator(Timing::from_template(5)).timeout(), milliseconds(250));
}

TEST(RttEstimator, FirstSample) {
    RttEstimator rtt(Timing::from_template(3));
    rtt.sample(milliseconds(50));
    EXPECT_EQ(rtt.srtt(), us(50'000));
    EXPECT_EQ(rtt.rttvar(), us(50'000));
    EXPECT_EQ(rtt.timeout(), us(250'000));  // 50 + 4 * 50 ms
}

TEST(RttEstimator, FirstSampleRttvarIsClampedBetween5msAnd2s) {
    RttEstimator fast(Timing::from_template(3));
    fast.sample(milliseconds(1));
    EXPECT_EQ(fast.srtt(), us(1'000));
    EXPECT_EQ(fast.rttvar(), us(5'000));
    EXPECT_EQ(fast.timeout(), milliseconds(100));  // 21 ms, raised to min_rtt_timeout

    RttEstimator slow(Timing::from_template(3));
    slow.sample(seconds(7));
    EXPECT_EQ(slow.srtt(), seconds(7));
    EXPECT_EQ(slow.rttvar(), seconds(2));
    EXPECT_EQ(slow.timeout(), seconds(10));  // 15 s, capped at max_rtt_timeout
}

TEST(RttEstimator, SmoothingFollowsRfc6298) {
    RttEstimator rtt(Timing::from_template(3));
    rtt.sample(milliseconds(50));
    rtt.sample(milliseconds(90));  // e = +40 ms
    EXPECT_EQ(rtt.srtt(), us(55'000));
    EXPECT_EQ(rtt.rttvar(), us(47'500));
    EXPECT_EQ(rtt.timeout(), us(245'000));
    rtt.sample(milliseconds(10));  // e = -45 ms
    EXPECT_EQ(rtt.srtt(), us(49'375));
    EXPECT_EQ(rtt.rttvar(), us(46'875));
    EXPECT_EQ(rtt.timeout(), us(236'875));
}

TEST(RttEstimator, DivisionsRoundDownLikeNmapShifts) {
    RttEstimator rtt(Timing::from_template(3));
    rtt.sample(us(100'000));
    rtt.sample(us(99'997));  // e = -3: srtt += floor(-3/8) = -1
    EXPECT_EQ(rtt.srtt(), us(99'999));
    EXPECT_EQ(rtt.rttvar(), us(75'000));  // 100000 + floor((3 - 100000) / 4)
}

TEST(RttEstimator, ConvergesOnASteadyRtt) {
    RttEstimator rtt(Timing::from_template(3));
    for (int i = 0; i < 200; ++i) {
        rtt.sample(milliseconds(30));
    }
    EXPECT_EQ(rtt.srtt(), milliseconds(30));
    EXPECT_EQ(rtt.rttvar(), us(0));
    EXPECT_EQ(rtt.timeout(), milliseconds(100));
}

TEST(RttEstimator, SamplesOfEightSecondsOrMoreAreIgnored) {
    RttEstimator first(Timing::from_template(3));
    first.sample(seconds(8));
    EXPECT_FALSE(first.srtt().has_value());
    EXPECT_EQ(first.timeout(), seconds(1));
    first.sample(us(7'999'999));
    EXPECT_EQ(first.srtt(), us(7'999'999));

    RttEstimator later(Timing::from_template(3));
    later.sample(milliseconds(100));
    later.sample(seconds(9));
    EXPECT_EQ(later.srtt(), milliseconds(100));
    EXPECT_EQ(later.rttvar(), milliseconds(100));
}

TEST(RttEstimator, BogusJumpsAreIgnored) {
    RttEstimator rtt(Timing::from_template(3));
    rtt.sample(milliseconds(10));
    rtt.sample(seconds(2));  // e = 1.99 s > 1.5 s and > 3*10 + 2*10 ms
    EXPECT_EQ(rtt.srtt(), milliseconds(10));
    EXPECT_EQ(rtt.rttvar(), milliseconds(10));
    rtt.sample(us(1'510'000));  // e = exactly 1.5 s: accepted
    EXPECT_EQ(rtt.srtt(), us(197'500));
    EXPECT_EQ(rtt.rttvar(), us(382'500));
    EXPECT_EQ(rtt.timeout(), us(1'727'500));
}

TEST(RttEstimator, LargeJumpIsKeptWhenVarianceAllowsIt) {
    RttEstimator rtt(Timing::from_template(3));
    rtt.sample(seconds(1));  // srtt 1 s, rttvar 1 s: threshold 3 + 2 = 5 s
    rtt.sample(seconds(5));  // e = 4 s: not bogus
    EXPECT_EQ(rtt.srtt(), us(1'500'000));
    EXPECT_EQ(rtt.rttvar(), us(1'750'000));
}

TEST(RttEstimator, RttvarAbove2300msIsResetTo2s) {
    Timing wide = Timing::from_template(3);
    wide.max_rtt_timeout = seconds(60);
    RttEstimator rtt(wide);
    rtt.sample(seconds(2));
    EXPECT_EQ(rtt.rttvar(), seconds(2));
    rtt.sample(us(7'900'000));  // e = 5.9 s: rttvar would be 2.975 s
    EXPECT_EQ(rtt.srtt(), us(2'737'500));
    EXPECT_EQ(rtt.rttvar(), seconds(2));
    EXPECT_EQ(rtt.timeout(), us(10'737'500));
}

TEST(RttEstimator, SmallNegativeSamplesCountAsTenMilliseconds) {
    RttEstimator rtt(Timing::from_template(3));
    rtt.sample(milliseconds(-1));
    EXPECT_EQ(rtt.srtt(), milliseconds(10));
    EXPECT_EQ(rtt.rttvar(), milliseconds(10));
    rtt.sample(us(-49'999));
    EXPECT_EQ(rtt.srtt(), milliseconds(10));
    EXPECT_EQ(rtt.rttvar(), us(7'500));
}

TEST(RttEstimator, LargeNegativeSamplesAreIgnored) {
    RttEstimator rtt(Timing::from_template(3));
    rtt.sample(milliseconds(-50));
    EXPECT_FALSE(rtt.srtt().has_value());
    rtt.sample(milliseconds(20));
    rtt.sample(seconds(-3));
    EXPECT_EQ(rtt.srtt(), milliseconds(20));
    EXPECT_EQ(rtt.rttvar(), milliseconds(20));
}

TEST(RttEstimator, TimeoutIsClampedToTheTemplate) {
    RttEstimator insane(Timing::from_template(5));
    insane.sample(milliseconds(200));
    EXPECT_EQ(insane.timeout(), milliseconds(300));  // 1 s, capped at max
    RttEstimator insane_fast(Timing::from_template(5));
    insane_fast.sample(milliseconds(1));
    EXPECT_EQ(insane_fast.timeout(), milliseconds(50));  // 21 ms, raised to min

    RttEstimator aggressive(Timing::from_template(4));
    aggressive.sample(milliseconds(150));
    EXPECT_EQ(aggressive.timeout(), milliseconds(750));
    aggressive.sample(milliseconds(400));  // srtt 181.25 ms, rttvar 175 ms
    EXPECT_EQ(aggressive.timeout(), us(881'250));
    aggressive.sample(milliseconds(1000));  // srtt 283.593 ms, rttvar 335.937 ms
    EXPECT_EQ(aggressive.timeout(), milliseconds(1250));  // 1.627 s, capped at max
}

TEST(RttEstimator, TimeoutIsAtLeastTheScanDelay) {
    RttEstimator polite(Timing::from_template(2));
    EXPECT_EQ(polite.timeout(), seconds(1));
    polite.sample(milliseconds(20));
    EXPECT_EQ(polite.timeout(), milliseconds(400));  // 100 ms would be below the 400 ms delay
}

TEST(RttEstimator, MaximumWinsWhenMinimumExceedsIt) {
    Timing odd = Timing::from_template(3);
    odd.min_rtt_timeout = seconds(2);
    odd.max_rtt_timeout = seconds(1);
    RttEstimator rtt(odd);
    rtt.sample(milliseconds(10));
    EXPECT_EQ(rtt.timeout(), seconds(1));
}

}  // namespace
}  // namespace portwarden

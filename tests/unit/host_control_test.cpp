// HostControl (both engines' per-host controller): congestion window, adaptive retries, scan
// delay, host time-out and the UDP rate-limit state machine, driven with a synthetic clock (no
// I/O, no sleeping); the connect engine's use is simulated on it (HostControlConnect).
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <random>
#include <tuple>
#include <vector>

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

TEST(HostControl, RateLimitHandlingServesEveryTechniqueWhoseSilenceReadsDifferently) {
    // An admin-prohibited error the limiter suppressed must not turn into open|filtered.
    for (const Technique t : {Technique::udp, Technique::fin, Technique::null, Technique::xmas, Technique::maimon}) {
        EXPECT_TRUE(limiter_changes_state(t)) << to_string(t);
    }
    // filtered whether the error came or not: no measuring needed
    for (const Technique t : {Technique::syn, Technique::ack, Technique::window, Technique::connect,
                              Technique::icmp_echo}) {
        EXPECT_FALSE(limiter_changes_state(t)) << to_string(t);
    }
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


// A resumed run (--resume) may start where the interrupted one left a host's ICMP bucket: empty.
// Its first silences then come before any error, and two of them settled closed ports
// open|filtered (#16). Resumed, the first silence starts measuring, error or not.
HostControl make_resumed() {  // UDP, in a resumed run
    Timing timing;
    HostTuning tuning = HostTuning::from(timing, true);
    tuning.limiter_maybe_drained = true;
    return HostControl(timing, tuning);
}

TEST(HostControl, AResumedRunMeasuresBeforeAnyError) {
    auto h = make_resumed();
    h.on_send(at(0us));
    h.on_send(at(0us));
    EXPECT_EQ(h.on_timeout(at(10ms), 0, at(0us)), Silence::retry_uncounted);
    EXPECT_EQ(h.pace_mode(), PaceMode::measuring);
    // The emptied bucket lets one error through a second later: still measuring, nothing settled.
    h.on_send(at(1000ms));
    h.on_reply(at(1001ms), 0, true, at(1000ms), 1ms);
    EXPECT_EQ(h.on_timeout(at(1010ms), 0, at(0us)), Silence::retry_uncounted);
    EXPECT_EQ(h.pace_mode(), PaceMode::measuring);
    // Not resumed, the first silence counts (SilentTriesSettleAfterTheAllowedCount: two settle).
    auto fresh = make(true);
    fresh.on_send(at(0us));
    EXPECT_EQ(fresh.on_timeout(at(10ms), 0, at(0us)), Silence::retry);
    EXPECT_EQ(fresh.pace_mode(), PaceMode::none);
}

// The bucket held 1.3 tokens when measuring began: errors at 1.0 (saved credit), 1.7, 2.7 and
// 3.7 s. Timed from the first, the interval read 0.9 s and pacing went 5 % faster than the
// limiter; from the second it is the limiter's 1 s.
TEST(HostControl, APartFilledBucketDoesNotShortenTheMeasuredInterval) {
    auto h = make_resumed();
    h.on_send(at(0us));
    EXPECT_EQ(h.on_timeout(at(10ms), 0, at(0us)), Silence::retry_uncounted);
    for (const auto t : {1000ms, 1700ms, 2700ms, 3700ms}) {
        h.on_send(at(t - 1ms));
        h.on_reply(at(t), 0, true, at(t - 1ms), 1ms);
    }
    ASSERT_EQ(h.pace_mode(), PaceMode::paced);
    ASSERT_TRUE(h.limiter_interval());
    EXPECT_GE(*h.limiter_interval(), 1000ms);
}

TEST(HostControl, AResumedRunOfAHostWithoutALimiterCostsTheQuietLimit) {
    auto h = make_resumed();
    h.on_send(at(0us));
    EXPECT_EQ(h.on_timeout(at(10ms), 0, at(0us)), Silence::retry_uncounted);
    h.on_send(at(1400ms));
    EXPECT_EQ(h.on_timeout(at(1450ms), 0, at(1400ms)), Silence::retry_uncounted);  // 1.44 s of quiet
    h.on_send(at(1500ms));
    // No error in 1.5 s: an emptied limiter would have let one through; the silence is real.
    EXPECT_EQ(h.on_timeout(at(1520ms), 0, at(1500ms)), Silence::retry);
    EXPECT_EQ(h.pace_mode(), PaceMode::none);
    h.on_send(at(1520ms));
    EXPECT_EQ(h.on_timeout(at(1530ms), 1, at(1520ms)), Silence::settle);
}


// pw_hostile -sU (no limiter; a few of 480 probes lost under load): 160 ICMP errors within
// 20 ms, then the silent ports time out. No limiter as slow as the measuring pace (one error per
// 20 ms after a burst of 12) lets 160 errors through in 20 ms: no measuring, the silence counts.
TEST(HostControl, ErrorsFasterThanTheMeasuringPaceRuleALimiterOut) {
    auto h = make(true);
    for (int i = 0; i < 480; ++i) {
        h.on_send(at(0us));
    }
    for (int i = 0; i < 160; ++i) {
        h.on_reply(at(std::chrono::microseconds(1000 + 125 * i)), 0, true, at(0us), 1ms);
    }
    EXPECT_EQ(h.on_timeout(at(200ms), 0, at(0us)), Silence::retry);
    EXPECT_EQ(h.pace_mode(), PaceMode::none);
    h.on_send(at(200ms));
    EXPECT_EQ(h.on_timeout(at(400ms), 1, at(200ms)), Silence::settle);
    EXPECT_EQ(h.pace_mode(), PaceMode::none);  // never measured
    EXPECT_FALSE(h.rate_limited());
}

// The measured spacing is checked against the errors before measuring too: 20 errors within
// 200 ms allow measuring (a limiter of 20 ms lets 12 + 10 through), but the errors that then
// answer the lost ports' re-sent probes, 40 ms apart (our own pace, a silent port between), give
// 44 ms, which would have let only 12 + 4 through: no limiter, the re-sent probes count as tries.
TEST(HostControl, AMeasuredIntervalTheEarlierErrorsRefuteIsNotPaced) {
    auto h = make(true);
    for (int i = 0; i < 40; ++i) {
        h.on_send(at(0us));
    }
    for (int i = 0; i < 20; ++i) {
        h.on_reply(at(std::chrono::microseconds(1000 + 10000 * i)), 0, true, at(0us), 1ms);
    }
    EXPECT_EQ(h.on_timeout(at(300ms), 0, at(0us)), Silence::retry_uncounted);
    ASSERT_EQ(h.pace_mode(), PaceMode::measuring);
    for (int k = 0; k < 4; ++k) {
        const auto sent = at(std::chrono::microseconds(300000 + 40000 * k));
        h.on_send(sent);
        h.on_reply(sent + 1ms, 0, true, sent, 1ms);
    }
    EXPECT_EQ(h.pace_mode(), PaceMode::none);
    EXPECT_FALSE(h.rate_limited());
    EXPECT_FALSE(h.limiter_interval());
    h.on_send(at(500ms));
    EXPECT_EQ(h.on_timeout(at(700ms), 0, at(500ms)), Silence::retry);  // counted again
}

// The same errors from a real limiter (a burst of 6, then one per 100 ms) are consistent with
// the interval measured: paced.
TEST(HostControl, ALimitersOwnBurstDoesNotRefuteIt) {
    auto h = make(true);
    for (int i = 0; i < 56; ++i) {
        h.on_send(at(0us));
    }
    for (int i = 0; i < 6; ++i) {
        h.on_reply(at(1ms), 0, true, at(0us), 1ms);
    }
    h.on_reply(at(101ms), 0, true, at(0us), 101ms);
    EXPECT_EQ(h.on_timeout(at(300ms), 0, at(0us)), Silence::retry_uncounted);
    ASSERT_EQ(h.pace_mode(), PaceMode::measuring);
    for (int k = 0; k < 4; ++k) {
        const auto sent = at(std::chrono::microseconds(400000 + 100000 * k));
        h.on_send(sent);
        h.on_reply(sent + 1ms, 0, true, sent, 1ms);
    }
    ASSERT_EQ(h.pace_mode(), PaceMode::paced);
    EXPECT_EQ(*h.limiter_interval(), 100ms + 5ms + 2ms);
}

// The connect engine's use (connect_run.cpp): one controller per worker and host; a try is a
// fresh connect(), so its tryno is its counted tries before it, every answer is an RTT sample,
// and a probe is timed out at sent + timeout().
struct ConnectSim {
    struct Flight {
        Clock::time_point sent;
        std::uint32_t port = 0;
        std::uint8_t tryno = 0;
        bool answered = false;  // the answer is on its way
        Clock::time_point arrives;
    };
    HostControl control;
    double loss_each_way = 0;
    std::chrono::microseconds rtt{1000};
    std::mt19937_64 rng{42};
    std::deque<Flight> flight;  // by send time
    std::vector<int> settled;   // per port: -1 open, 0 not yet, 1 answered (closed), 2 silent
    std::uint64_t probes = 0;
    Clock::time_point now = at(0us);

    ConnectSim(const Timing& timing, std::size_t ports, double loss)
        : control(timing, HostTuning::from(timing, false)), loss_each_way(loss), settled(ports, 0) {}

    bool lost() { return std::uniform_real_distribution<double>(0, 1)(rng) < loss_each_way; }

    // Runs until every port settled; returns the simulated time it took.
    std::chrono::microseconds run(std::chrono::microseconds step = 100us) {
        const auto start = now;
        std::deque<std::pair<std::uint32_t, std::uint8_t>> retries;
        std::uint32_t next_port = 0;
        std::size_t left = settled.size();
        while (left > 0 && now - start < 600s) {
            for (auto it = flight.begin(); it != flight.end();) {
                if (it->answered && it->arrives <= now) {
                    control.on_reply(it->arrives, it->tryno, false, it->sent,
                                     std::chrono::duration_cast<std::chrono::microseconds>(it->arrives - it->sent));
                    settled[it->port] = 1;
                    --left;
                    it = flight.erase(it);
                } else if (!it->answered && it->sent + control.timeout() <= now) {
                    if (control.on_timeout(now, it->tryno, it->sent) == HostControl::Silence::settle) {
                        settled[it->port] = 2;
                        --left;
                    } else {
                        retries.emplace_back(it->port, static_cast<std::uint8_t>(it->tryno + 1));
                    }
                    it = flight.erase(it);
                } else {
                    ++it;
                }
            }
            while (control.may_send(now) && (!retries.empty() || next_port < settled.size())) {
                Flight f{now, 0, 0, false, {}};
                if (!retries.empty()) {
                    std::tie(f.port, f.tryno) = retries.front();
                    retries.pop_front();
                } else {
                    f.port = next_port++;
                }
                f.answered = !lost() && !lost();  // the SYN and its RST both got through
                f.arrives = now + rtt;
                control.on_send(now);
                ++probes;
                flight.push_back(f);
            }
            now += step;
        }
        return std::chrono::duration_cast<std::chrono::microseconds>(now - start);
    }
};

TEST(HostControlConnect, ExactAndFastAtTenPerCentLossEachWay) {
    // The -sT -p- case of the range's 10 % host: every closed port must read closed, and
    // random loss must not shrink the window (the old connect controller halved it per
    // answered retry and settled ports on 2 tries before its loss estimate existed).
    Timing timing;
    ConnectSim sim(timing, 20000, 0.10);
    const auto took = sim.run();
    EXPECT_EQ(std::count(sim.settled.begin(), sim.settled.end(), 2), 0);
    EXPECT_EQ(std::count(sim.settled.begin(), sim.settled.end(), 1), 20000);
    EXPECT_LT(took, 3s);
    EXPECT_GE(sim.control.cwnd(), 1024.0);
    EXPECT_EQ(sim.control.allowed_tries(), 11);  // 19 % round-trip loss: the cap
}

TEST(HostControlConnect, ACleanHostNeedsNoRetry) {
    Timing timing;
    ConnectSim sim(timing, 20000, 0.0);
    const auto took = sim.run();
    EXPECT_EQ(std::count(sim.settled.begin(), sim.settled.end(), 1), 20000);
    EXPECT_EQ(sim.probes, 20000U);
    EXPECT_EQ(sim.control.allowed_tries(), 2);
    EXPECT_LT(took, 200ms);
}

TEST(HostControlConnect, MaxParallelismCapsTheWindow) {
    Timing timing;
    timing.max_parallelism = 10;
    HostControl h(timing, HostTuning::from(timing, false));
    int sent = 0;
    while (h.may_send(at(1s)) && sent < 100) {
        h.on_send(at(1s));
        ++sent;
    }
    EXPECT_EQ(sent, 10);
    EXPECT_TRUE(h.may_send(at(1s), true));  // below --min-rate the window is ignored
}

TEST(HostControlConnect, ScanDelaySpacesProbes) {
    Timing timing;
    timing.scan_delay = 50ms;
    HostControl h(timing, HostTuning::from(timing, false));
    EXPECT_TRUE(h.may_send(at(0us)));
    h.on_send(at(0us));
    EXPECT_FALSE(h.may_send(at(49ms)));
    EXPECT_TRUE(h.may_send(at(50ms)));
    EXPECT_EQ(h.next_send_time(), at(50ms));
}

TEST(HostControlConnect, HostTimeoutCountsFromTheFirstProbe) {
    Timing timing;
    timing.host_timeout = 2s;
    HostControl h(timing, HostTuning::from(timing, false));
    EXPECT_FALSE(h.timed_out(at(10s)));  // not started: its time has not begun
    h.on_send(at(10s));
    EXPECT_FALSE(h.timed_out(at(11s)));
    h.on_send(at(11500ms));              // later probes do not restart it
    EXPECT_TRUE(h.timed_out(at(12s)));
    Timing none;
    HostControl forever(none, HostTuning::from(none, false));
    forever.on_send(at(0us));
    EXPECT_FALSE(forever.timed_out(at(1000s)));
}
}  // namespace
}  // namespace portwarden::engine

// HistoryStore queries across scans: a port's timeline, newly open ports, flapping ports.
#include <vector>

#include "history_fixture.hpp"

namespace portwarden::test {
namespace {

using HistoryQueryTest = HistoryTest;

struct Seen {
    const char* host;
    std::uint16_t port;
    PortState state;
};

// Records one scan at second `t` in which each host has the given TCP ports.
std::int64_t record(HistoryStore& store, int t, const std::vector<Seen>& seen) {
    std::vector<HostResult> hosts;
    for (const auto& s : seen) {
        const auto address = *Address::parse(s.host);
        if (hosts.empty() || hosts.back().address != address) {
            HostResult h;
            h.address = address;
            h.state = HostState::up;
            h.end_time = at_second(t);
            hosts.push_back(h);
        }
        const Reason reason = s.state == PortState::open ? Reason::syn_ack : Reason::reset;
        hosts.back().ports.push_back(PortResult{Proto::tcp, s.port, s.state, reason, {}, {}, {}});
    }
    auto id = store.record_scan(ScanInfo{at_second(t), at_second(t), "scan", "connect", "connect"}, hosts);
    EXPECT_TRUE(id) << id.error().message;
    return id ? *id : -1;
}

constexpr auto st_open = PortState::open;
constexpr auto st_closed = PortState::closed;

TEST_P(HistoryQueryTest, TimelineListsEveryObservationOldestFirst) {
    auto store = open_ok();
    ASSERT_TRUE(store);
    const auto s2 = record(*store, 20, {{"fd00::5", 22, st_closed}});
    const auto s1 = record(*store, 10, {{"fd00::5", 22, st_open}, {"fd00::6", 22, st_closed}});
    const auto s3 = record(*store, 30, {{"fd00::5", 22, st_open}, {"fd00::5", 23, st_open}});
    auto line = store->timeline(*Address::parse("fd00::5"), Proto::tcp, 22);
    ASSERT_TRUE(line) << line.error().message;
    ASSERT_EQ(line->size(), 3u);
    EXPECT_EQ((*line)[0].scan_id, s1);
    EXPECT_EQ((*line)[0].time, at_second(10));
    EXPECT_EQ((*line)[0].state, st_open);
    EXPECT_EQ((*line)[0].reason, Reason::syn_ack);
    EXPECT_EQ((*line)[1].scan_id, s2);
    EXPECT_EQ((*line)[1].state, st_closed);
    EXPECT_EQ((*line)[1].reason, Reason::reset);
    EXPECT_EQ((*line)[2].scan_id, s3);
    auto udp = store->timeline(*Address::parse("fd00::5"), Proto::udp, 22);
    ASSERT_TRUE(udp) << udp.error().message;
    EXPECT_TRUE(udp->empty());
}

TEST_P(HistoryQueryTest, NewlyOpenPortsSinceATime) {
    auto store = open_ok();
    ASSERT_TRUE(store);
    const auto s1 = record(*store, 10, {{"198.18.0.1", 22, st_open}, {"198.18.0.1", 80, st_closed}});
    const auto s2 = record(*store, 20, {{"198.18.0.1", 22, st_open}, {"198.18.0.1", 80, st_open},
                                        {"198.18.0.2", 443, st_open}});
    record(*store, 30, {{"198.18.0.1", 22, st_closed}, {"198.18.0.1", 80, st_open}});
    const auto s4 = record(*store, 40, {{"198.18.0.1", 22, st_open}});

    auto since_20 = store->newly_open(at_second(20));
    ASSERT_TRUE(since_20) << since_20.error().message;
    ASSERT_EQ(since_20->size(), 3u);
    EXPECT_EQ((*since_20)[0].host, *Address::parse("198.18.0.1"));
    EXPECT_EQ((*since_20)[0].port, 22);  // closed at 30, open again at 40
    EXPECT_EQ((*since_20)[0].scan_id, s4);
    EXPECT_EQ((*since_20)[0].time, at_second(40));
    EXPECT_EQ((*since_20)[1].port, 80);
    EXPECT_EQ((*since_20)[1].scan_id, s2);
    EXPECT_EQ((*since_20)[2].host, *Address::parse("198.18.0.2"));  // a new host
    EXPECT_EQ((*since_20)[2].port, 443);
    EXPECT_EQ((*since_20)[2].proto, Proto::tcp);

    auto since_0 = store->newly_open(at_second(0));
    ASSERT_TRUE(since_0) << since_0.error().message;
    ASSERT_EQ(since_0->size(), 3u);
    EXPECT_EQ((*since_0)[0].scan_id, s1);  // port 22, first opening only

    auto since_41 = store->newly_open(at_second(41));
    ASSERT_TRUE(since_41) << since_41.error().message;
    EXPECT_TRUE(since_41->empty());
}

TEST_P(HistoryQueryTest, FlappingPortsInAWindow) {
    auto store = open_ok();
    ASSERT_TRUE(store);
    const PortState flappy[] = {st_open, st_closed, st_open, st_closed, st_open};
    const PortState once[] = {st_open, st_open, st_closed, st_closed, st_closed};
    for (int i = 0; i < 5; ++i) {
        record(*store, 10 * i, {{"198.18.0.1", 80, flappy[i]},
                                {"198.18.0.1", 443, st_open},
                                {"fd00::1", 25, once[i]}});
    }
    auto many = store->flapping(at_second(0), at_second(40), 2);
    ASSERT_TRUE(many) << many.error().message;
    ASSERT_EQ(many->size(), 1u);
    EXPECT_EQ((*many)[0].host, *Address::parse("198.18.0.1"));
    EXPECT_EQ((*many)[0].port, 80);
    EXPECT_EQ((*many)[0].changes, 4);

    auto any = store->flapping(at_second(0), at_second(40), 0);
    ASSERT_TRUE(any) << any.error().message;
    ASSERT_EQ(any->size(), 2u);  // most changes first; the steady port 443 is not there
    EXPECT_EQ((*any)[0].port, 80);
    EXPECT_EQ((*any)[1].host, *Address::parse("fd00::1"));
    EXPECT_EQ((*any)[1].changes, 1);

    // Only changes between observations inside the window count.
    auto late = store->flapping(at_second(20), at_second(40), 1);
    ASSERT_TRUE(late) << late.error().message;
    ASSERT_EQ(late->size(), 1u);
    EXPECT_EQ((*late)[0].changes, 2);
    auto quiet = store->flapping(at_second(30), at_second(40), 1);
    ASSERT_TRUE(quiet) << quiet.error().message;
    EXPECT_TRUE(quiet->empty());
}

PW_HISTORY_BACKENDS(HistoryQueryTest);

}  // namespace
}  // namespace portwarden::test

// Streaming a scan into the history (begin_scan / add_hosts / end_scan), as `scan` records:
// the same stored result as record_scan, hosts visible as they are added, the end sets the times.
#include "history_fixture.hpp"

namespace portwarden::test {
namespace {

class HistoryStreamTest : public HistoryTest {};

HostResult stream_host(const char* address, std::uint16_t open_port) {
    HostResult h;
    h.address = Address::parse(address).value();
    h.state = HostState::up;
    h.reason = Reason::syn_ack;
    h.complete = true;
    h.start_time = at_second(1);
    h.end_time = at_second(2);
    for (std::uint16_t p = 20; p < 26; ++p) {
        h.ports.push_back(PortResult{Proto::tcp, p, p == open_port ? PortState::open : PortState::closed,
                                     p == open_port ? Reason::syn_ack : Reason::reset, {}, {}, {}});
    }
    return h;
}

TEST_P(HistoryStreamTest, HostsAddedInBatchesAreOneScanWithItsFinalTimes) {
    auto store = open_ok();
    ASSERT_TRUE(store);
    ScanInfo info{at_second(0), at_second(0), "portwarden scan -p 20-25 198.18.1.0/30", "", "syn"};
    auto id = store->begin_scan(info);
    ASSERT_TRUE(id) << id.error().message;
    const std::vector<HostResult> first{stream_host("198.18.1.1", 22), stream_host("198.18.1.2", 25)};
    ASSERT_TRUE(store->add_hosts(*id, info, first));
    auto partial = store->load_scan(*id);
    ASSERT_TRUE(partial) << partial.error().message;
    EXPECT_EQ(partial->size(), 2U);  // visible before the end
    const std::vector<HostResult> second{stream_host("fd00:0:0:1::10", 22)};
    ASSERT_TRUE(store->add_hosts(*id, info, second));
    info.start_time = at_second(0);
    info.end_time = at_second(9);
    info.engine = "raw packets on eth0";
    ASSERT_TRUE(store->end_scan(*id, info));

    auto scans = store->list_scans();
    ASSERT_TRUE(scans) << scans.error().message;
    ASSERT_EQ(scans->size(), 1U);
    EXPECT_EQ(scans->front().id, *id);
    EXPECT_EQ(scans->front().hosts, 3);
    EXPECT_EQ(scans->front().open_ports, 3);
    EXPECT_EQ(scans->front().info.end_time, at_second(9));
    EXPECT_EQ(scans->front().info.engine, "raw packets on eth0");
    auto all = store->load_scan(*id);
    ASSERT_TRUE(all) << all.error().message;
    ASSERT_EQ(all->size(), 3U);
    for (const HostResult& h : *all) {
        EXPECT_EQ(h.ports.size(), 6U) << h.address.to_string();
    }
    auto seen = store->last_seen(Address::parse("198.18.1.2").value(), "syn");
    ASSERT_TRUE(seen) << seen.error().message;
    ASSERT_EQ(seen->size(), 6U);
    EXPECT_EQ(seen->back().port, 25);
    EXPECT_EQ(seen->back().state, PortState::open);
}

PW_HISTORY_BACKENDS(HistoryStreamTest);

}  // namespace
}  // namespace portwarden::test

// HistoryStore: recording and loading scans, all or nothing, two stores on one database.
#include <algorithm>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "history_fixture.hpp"

namespace portwarden::test {
namespace {

using HistoryStoreTest = HistoryTest;

Address addr(const char* text) { return *Address::parse(text); }

PortResult port(Proto proto, std::uint16_t number, PortState state, Reason reason,
                std::optional<std::uint8_t> ttl = {}, std::optional<Address> responder = {},
                std::optional<std::uint32_t> rtt = {}) {
    return PortResult{proto, number, state, reason, ttl, responder, rtt};
}

HostResult host(const char* address, HostState state, Reason reason,
                std::optional<std::uint8_t> ttl, int start, int end) {
    HostResult h;
    h.address = addr(address);
    h.state = state;
    h.reason = reason;
    h.reason_ttl = ttl;
    if (ttl) {
        h.hops = hops_from_ttl(*ttl);
    }
    h.start_time = at_second(start);
    h.end_time = at_second(end);
    return h;
}

// Three hosts, given out of address order: every field the store keeps is set somewhere.
std::vector<HostResult> sample_hosts() {
    HostResult v6 = host("fd00:0:0:1::2a", HostState::up, Reason::echo_reply, 57, 1, 3);
    v6.hostname = "db.internal";
    v6.ptr_name = "db-1.example.net";
    v6.complete = false;
    v6.ports = {port(Proto::tcp, 5432, PortState::open, Reason::syn_ack, 57, {}, 812),
                port(Proto::tcp, 8080, PortState::filtered, Reason::admin_prohibited, 62,
                     addr("fd00:0:0:1::fe"))};
    HostResult v4 = host("198.18.1.10", HostState::up, Reason::syn_ack, 64, 0, 2);
    v4.ports = {port(Proto::tcp, 22, PortState::open, Reason::syn_ack, 64, {}, 150),
                port(Proto::tcp, 80, PortState::closed, Reason::reset, 64),
                port(Proto::tcp, 443, PortState::filtered, Reason::port_unreach, 63,
                     addr("198.18.1.254"), 90),
                port(Proto::udp, 53, PortState::open_filtered, Reason::no_response),
                port(Proto::udp, 161, PortState::closed_filtered, Reason::rate_limited)};
    return {v6, v4, host("198.18.1.9", HostState::down, Reason::no_response, {}, 0, 4)};
}

ScanInfo sample_info() {
    return ScanInfo{at_second(0), at_second(5),
                    "portwarden scan -sS -p 22,80 'a b' \"q\" fd00:0:0:1::/120", "raw (eth0)", "syn"};
}

void expect_same_host(const HostResult& got, const HostResult& want) {
    SCOPED_TRACE(want.address.to_string());
    EXPECT_EQ(got.address, want.address);
    EXPECT_EQ(got.hostname, want.hostname);
    EXPECT_EQ(got.ptr_name, want.ptr_name);
    EXPECT_EQ(got.state, want.state);
    EXPECT_EQ(got.reason, want.reason);
    EXPECT_EQ(got.reason_ttl, want.reason_ttl);
    EXPECT_EQ(got.hops, want.hops);
    EXPECT_EQ(got.start_time, want.start_time);
    EXPECT_EQ(got.end_time, want.end_time);
    EXPECT_EQ(got.complete, want.complete);
    ASSERT_EQ(got.ports.size(), want.ports.size());
    for (std::size_t i = 0; i < want.ports.size(); ++i) {
        const auto& g = got.ports[i];
        const auto& w = want.ports[i];
        SCOPED_TRACE(w.port);
        EXPECT_EQ(g.proto, w.proto);
        EXPECT_EQ(g.port, w.port);
        EXPECT_EQ(g.state, w.state);
        EXPECT_EQ(g.reason, w.reason);
        EXPECT_EQ(g.reason_ttl, w.reason_ttl);
        EXPECT_EQ(g.reason_ip, w.reason_ip);
        EXPECT_EQ(g.rtt_us, w.rtt_us);
    }
}

TEST_P(HistoryStoreTest, RecordsAndLoadsEveryField) {
    auto store = open_ok();
    ASSERT_TRUE(store);
    const auto hosts = sample_hosts();
    auto id = store->record_scan(sample_info(), hosts);
    ASSERT_TRUE(id) << id.error().message;

    auto loaded = store->load_scan(*id);
    ASSERT_TRUE(loaded) << loaded.error().message;
    ASSERT_EQ(loaded->size(), 3u);  // sorted by address: IPv4 before IPv6
    expect_same_host((*loaded)[0], hosts[2]);
    expect_same_host((*loaded)[1], hosts[1]);
    expect_same_host((*loaded)[2], hosts[0]);

    auto scans = store->list_scans();
    ASSERT_TRUE(scans) << scans.error().message;
    ASSERT_EQ(scans->size(), 1u);
    const auto& s = scans->front();
    EXPECT_EQ(s.id, *id);
    EXPECT_EQ(s.info.start_time, sample_info().start_time);
    EXPECT_EQ(s.info.end_time, sample_info().end_time);
    EXPECT_EQ(s.info.command_line, sample_info().command_line);
    EXPECT_EQ(s.info.engine, "raw (eth0)");
    EXPECT_EQ(s.hosts, 3);
    EXPECT_EQ(s.open_ports, 2);
}

TEST_P(HistoryStoreTest, ReopenedStoreSeesScansInOrder) {
    std::vector<std::int64_t> ids;
    {
        auto store = open_ok();
        ASSERT_TRUE(store);
        for (int i = 0; i < 3; ++i) {
            ScanInfo info{at_second(100 - i), at_second(101 - i), "scan " + std::to_string(i),
                          "connect", "connect"};
            auto id = store->record_scan(info, {});
            ASSERT_TRUE(id) << id.error().message;
            ids.push_back(*id);
        }
    }
    auto store = open_ok();
    ASSERT_TRUE(store);
    auto scans = store->list_scans();
    ASSERT_TRUE(scans) << scans.error().message;
    ASSERT_EQ(scans->size(), 3u);
    EXPECT_EQ((*scans)[0].id, ids[2]);  // oldest start first
    EXPECT_EQ((*scans)[2].id, ids[0]);
    EXPECT_EQ((*scans)[0].hosts, 0);
    auto empty = store->load_scan(ids[1]);
    ASSERT_TRUE(empty) << empty.error().message;
    EXPECT_TRUE(empty->empty());
}

TEST_P(HistoryStoreTest, UnknownScanIsAnError) {
    auto store = open_ok();
    ASSERT_TRUE(store);
    auto loaded = store->load_scan(4242);
    ASSERT_FALSE(loaded);
    EXPECT_NE(loaded.error().message.find("no scan 4242"), std::string::npos);
}

TEST_P(HistoryStoreTest, FailedRecordLeavesNothing) {
    auto store = open_ok();
    ASSERT_TRUE(store);
    auto hosts = sample_hosts();
    hosts.push_back(hosts[1]);  // the same host twice: the second insert fails
    auto id = store->record_scan(sample_info(), hosts);
    ASSERT_FALSE(id);
    auto scans = store->list_scans();
    ASSERT_TRUE(scans) << scans.error().message;
    EXPECT_TRUE(scans->empty());
    auto db = raw();
    ASSERT_TRUE(db) << db.error().message;
    for (const char* sql : {"SELECT COUNT(*) FROM host_results", "SELECT COUNT(*) FROM port_results"}) {
        auto rows = (*db)->query(sql);
        ASSERT_TRUE(rows) << rows.error().message;
        EXPECT_EQ(rows->at(0).at(0), "0") << sql;
    }
    // The store is still usable after the rollback.
    EXPECT_TRUE(store->record_scan(sample_info(), sample_hosts()));
}

TEST_P(HistoryStoreTest, TwoStoresOnOneDatabaseStayConsistent) {
    constexpr int per_writer = 15;
    std::unique_ptr<HistoryStore> stores[2];
    {
        // Both open (and migrate) a fresh database at the same time.
        std::jthread second([&] { stores[1] = open_ok(); });
        stores[0] = open_ok();
    }
    ASSERT_TRUE(stores[0] && stores[1]);
    std::vector<std::int64_t> ids[2];
    {
        std::vector<std::jthread> writers;
        for (int w = 0; w < 2; ++w) {
            writers.emplace_back([&, w] {
                for (int i = 0; i < per_writer; ++i) {
                    ScanInfo info{at_second(i), at_second(i + 1), fmt::format("w{} {}", w, i),
                                  "connect", "connect"};
                    auto id = stores[w]->record_scan(info, sample_hosts());
                    EXPECT_TRUE(id) << id.error().message;
                    if (id) {
                        ids[w].push_back(*id);
                    }
                }
            });
        }
    }
    for (auto& store : stores) {
        auto scans = store->list_scans();
        ASSERT_TRUE(scans) << scans.error().message;
        EXPECT_EQ(scans->size(), 2u * per_writer);
        for (const auto& s : *scans) {
            EXPECT_EQ(s.hosts, 3);
            EXPECT_EQ(s.open_ports, 2);
        }
    }
    std::vector<std::int64_t> all = ids[0];
    all.insert(all.end(), ids[1].begin(), ids[1].end());
    std::ranges::sort(all);
    EXPECT_EQ(std::ranges::adjacent_find(all), all.end());
    auto loaded = stores[0]->load_scan(ids[1].back());
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ(loaded->size(), 3u);
}

PW_HISTORY_BACKENDS(HistoryStoreTest);

}  // namespace
}  // namespace portwarden::test

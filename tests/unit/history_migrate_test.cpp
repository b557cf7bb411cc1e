// Migration 2 (compact ports): a version 1 database with a row per port is converted when
// opened, and every query answers as the version 1 queries did on the rows.
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "history_fixture.hpp"
#include "history_v1.hpp"

namespace portwarden::test {
namespace {

using HistoryMigrateTest = HistoryTest;

const char* const host_names[] = {"198.18.0.1", "198.18.0.2", "fd00::7"};

// Scans of three hosts whose ports change at random: mostly closed (reset, with one of two
// TTLs) or filtered, a few open or in other states; each scan covers its own range of ports.
std::vector<std::vector<HostResult>> random_scans(int count, unsigned seed) {
    std::mt19937 rng(seed);
    const auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    std::vector<std::vector<HostResult>> scans;
    for (int s = 0; s < count; ++s) {
        auto& hosts = scans.emplace_back();
        for (int h = 0; h < 3; ++h) {
            if (pick(5) == 0) {
                continue;  // the host is not in this scan
            }
            HostResult host;
            host.address = *Address::parse(host_names[h]);
            host.state = HostState::up;
            host.reason = Reason::syn_ack;
            host.start_time = at_second(100 * (s / 2));  // pairs of scans end at the same time
            host.end_time = at_second(100 * (s / 2) + h);
            const bool mostly_filtered = pick(3) == 0;
            const int first = 1 + pick(5);
            const int last = 30 + pick(12);
            for (int p = first; p <= last; ++p) {
                if (pick(7) == 0) {
                    continue;  // a hole in the scanned set
                }
                PortResult port{Proto::tcp, static_cast<std::uint16_t>(p), PortState::closed, Reason::reset,
                                static_cast<std::uint8_t>(pick(4) == 0 ? 63 : 64), {}, {}};
                if (mostly_filtered || pick(6) == 0) {
                    port = {Proto::tcp, port.port, PortState::filtered, Reason::no_response, {}, {}, {}};
                }
                switch (pick(12)) {
                case 0:
                case 1:
                    port = {Proto::tcp, port.port, PortState::open, Reason::syn_ack, 64, {},
                            static_cast<std::uint32_t>(100 + pick(900))};
                    break;
                case 2:
                    port = {Proto::tcp, port.port, PortState::filtered, Reason::admin_prohibited, 250,
                            *Address::parse(h == 2 ? "fd00::fe" : "198.18.0.254"), {}};
                    break;
                default:
                    break;
                }
                host.ports.push_back(port);
            }
            if (pick(2) == 0) {
                for (const std::uint16_t p : std::initializer_list<std::uint16_t>{53, 161, 500}) {
                    const bool open = pick(4) == 0;
                    host.ports.push_back({Proto::udp, p, open ? PortState::open : PortState::open_filtered,
                                          open ? Reason::udp_response : Reason::no_response, {}, {}, {}});
                }
            }
            hosts.push_back(host);
        }
    }
    return scans;
}

ScanInfo info_of(int s) {
    return ScanInfo{at_second(100 * (s / 2)), at_second(100 * (s / 2) + 5), fmt::format("scan {}", s), "raw",
                    "syn"};
}

void expect_same_hosts(const std::vector<HostResult>& got, std::vector<HostResult> want) {
    std::ranges::sort(want, {}, &HostResult::address);
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t h = 0; h < want.size(); ++h) {
        SCOPED_TRACE(want[h].address.to_string());
        EXPECT_EQ(got[h].address, want[h].address);
        EXPECT_EQ(got[h].end_time, want[h].end_time);
        ASSERT_EQ(got[h].ports.size(), want[h].ports.size());
        for (std::size_t i = 0; i < want[h].ports.size(); ++i) {
            const auto& g = got[h].ports[i];
            const auto& w = want[h].ports[i];
            SCOPED_TRACE(fmt::format("{}/{}", w.port, to_string(w.proto)));
            EXPECT_EQ(std::tuple(g.proto, g.port, g.state, g.reason, g.reason_ttl, g.reason_ip, g.rtt_us),
                      std::tuple(w.proto, w.port, w.state, w.reason, w.reason_ttl, w.reason_ip, w.rtt_us));
        }
    }
}

v1::Rows rows_of(const std::vector<PortObservation>& line) {
    v1::Rows out;
    for (const auto& o : line) {
        out.push_back({std::to_string(o.scan_id), std::to_string(v1::to_us(o.time)), std::string(to_string(o.state)),
                       std::string(to_string(o.reason))});
    }
    return out;
}

v1::Rows rows_of(const std::vector<PortChange>& changes, bool flapping) {
    v1::Rows out;
    for (const auto& c : changes) {
        std::vector<std::string> r{c.host.to_string(), std::string(to_string(c.proto)), std::to_string(c.port)};
        if (flapping) {
            r.push_back(std::to_string(c.changes));
        } else {
            r.push_back(std::to_string(c.scan_id));
            r.push_back(std::to_string(v1::to_us(c.time)));
        }
        out.push_back(r);
    }
    return out;
}

TEST_P(HistoryMigrateTest, VersionOneRowsAreConvertedAndEveryQueryAnswersAsBefore) {
    constexpr int scan_count = 12;
    const auto scans = random_scans(scan_count, 20261130);
    std::vector<std::int64_t> ids;
    std::vector<std::string> expected_timelines;
    v1::Rows expected_new[3];
    v1::Rows expected_flaps[3];
    const std::int64_t since[] = {0, v1::to_us(at_second(200)), v1::to_us(at_second(400))};
    {
        auto db = raw();
        ASSERT_TRUE(db) << db.error().message;
        v1::create(**db);
        for (int s = 0; s < scan_count; ++s) {
            ids.push_back(v1::record(**db, info_of(s), scans[static_cast<std::size_t>(s)]));
        }
        for (const char* host : host_names) {
            for (std::uint16_t port = 0; port <= 45; ++port) {
                expected_timelines.push_back(testing::PrintToString(v1::timeline(**db, host, Proto::tcp, port)));
            }
            expected_timelines.push_back(testing::PrintToString(v1::timeline(**db, host, Proto::udp, 161)));
        }
        for (int i = 0; i < 3; ++i) {
            expected_new[i] = v1::newly_open(**db, since[i]);
            expected_flaps[i] = v1::flapping(**db, since[i], v1::to_us(at_second(1000)), i == 2 ? 1 : 0);
        }
    }
    auto store = open_ok();  // migrates
    ASSERT_TRUE(store);
    ASSERT_EQ(store->schema_version(), 6);
    for (int s = 0; s < scan_count; ++s) {
        SCOPED_TRACE(s);
        auto loaded = store->load_scan(ids[static_cast<std::size_t>(s)]);
        ASSERT_TRUE(loaded) << loaded.error().message;
        expect_same_hosts(*loaded, scans[static_cast<std::size_t>(s)]);
    }
    std::size_t t = 0;
    for (const char* host : host_names) {
        const auto address = *Address::parse(host);
        for (std::uint16_t port = 0; port <= 45; ++port) {
            auto line = store->timeline(address, Proto::tcp, port);
            ASSERT_TRUE(line) << line.error().message;
            EXPECT_EQ(testing::PrintToString(rows_of(*line)), expected_timelines[t++]) << host << " " << port;
        }
        auto udp = store->timeline(address, Proto::udp, 161);
        ASSERT_TRUE(udp) << udp.error().message;
        EXPECT_EQ(testing::PrintToString(rows_of(*udp)), expected_timelines[t++]) << host << " 161/udp";
    }
    for (int i = 0; i < 3; ++i) {
        SCOPED_TRACE(i);
        auto opened = store->newly_open(v1::from_us(since[i]));
        ASSERT_TRUE(opened) << opened.error().message;
        EXPECT_EQ(rows_of(*opened, false), expected_new[i]);
        EXPECT_TRUE(i == 2 || !expected_new[i].empty());
        auto flaps = store->flapping(v1::from_us(since[i]), at_second(1000), i == 2 ? 1 : 0);
        ASSERT_TRUE(flaps) << flaps.error().message;
        EXPECT_EQ(rows_of(*flaps, true), expected_flaps[i]);
        EXPECT_TRUE(i == 2 || !expected_flaps[i].empty());
    }
    // Fewer rows than ports: the closed and filtered ones went into the port sets.
    auto db = raw();
    ASSERT_TRUE(db) << db.error().message;
    const auto rows = v1::run(**db, "SELECT COUNT(*) FROM port_results");
    const auto sets = v1::run(**db, "SELECT COUNT(*) FROM port_sets");
    std::size_t ports = 0;
    for (const auto& scan : scans) {
        for (const auto& h : scan) {
            ports += h.ports.size();
        }
    }
    EXPECT_LT(std::stoul(rows.at(0).at(0)), ports / 2);
    EXPECT_GT(std::stoul(sets.at(0).at(0)), 0u);
}

TEST_P(HistoryMigrateTest, RecordedScansAnswerLikeConvertedOnes) {
    const auto scans = random_scans(6, 7);
    auto store = open_ok();
    ASSERT_TRUE(store);
    for (int s = 0; s < 6; ++s) {
        auto id = store->record_scan(info_of(s), scans[static_cast<std::size_t>(s)]);
        ASSERT_TRUE(id) << id.error().message;
        auto loaded = store->load_scan(*id);
        ASSERT_TRUE(loaded) << loaded.error().message;
        expect_same_hosts(*loaded, scans[static_cast<std::size_t>(s)]);
    }
    auto listed = store->list_scans();
    ASSERT_TRUE(listed) << listed.error().message;
    ASSERT_EQ(listed->size(), 6u);
    for (std::size_t s = 0; s < 6; ++s) {
        std::int64_t open = 0;
        for (const auto& h : scans[s]) {
            open += std::ranges::count(h.ports, PortState::open, &PortResult::state);
        }
        EXPECT_EQ((*listed)[s].open_ports, open);
        EXPECT_EQ((*listed)[s].hosts, static_cast<std::int64_t>(scans[s].size()));
        EXPECT_EQ((*listed)[s].info.technique, "syn");
    }
}

PW_HISTORY_BACKENDS(HistoryMigrateTest);

}  // namespace
}  // namespace portwarden::test

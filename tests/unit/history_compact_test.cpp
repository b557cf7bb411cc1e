// Compact port storage: range lists, the default of a port set, and what a -p- scan costs.
#include <chrono>
#include <filesystem>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "history/compact.hpp"
#include "history_fixture.hpp"
#include "history_v1.hpp"

namespace portwarden::test {
namespace {

using history::PortRange;

std::vector<PortResult> ports_of(std::initializer_list<std::uint16_t> numbers) {
    std::vector<PortResult> out;
    for (auto n : numbers) {
        out.push_back({Proto::tcp, n, PortState::closed, Reason::reset, {}, {}, {}});
    }
    return out;
}

TEST(HistoryCompact, RangeListsRoundTrip) {
    EXPECT_EQ(history::format_ranges(ports_of({})), "");
    EXPECT_EQ(history::format_ranges(ports_of({22})), "22");
    EXPECT_EQ(history::format_ranges(ports_of({0, 1, 2, 3, 80, 443, 444, 65535})), "0-3,80,443-444,65535");
    auto r = history::parse_ranges("0-3,80,443-444,65535");
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_EQ(r->size(), 4u);
    EXPECT_EQ((*r)[3].first, 65535);
    EXPECT_EQ((*r)[3].last, 65535);
    for (const int p : {0, 3, 80, 443, 444, 65535}) {
        EXPECT_TRUE(history::contains(*r, static_cast<std::uint16_t>(p))) << p;
    }
    for (const int p : {4, 79, 81, 442, 445, 65534}) {
        EXPECT_FALSE(history::contains(*r, static_cast<std::uint16_t>(p))) << p;
    }
    EXPECT_TRUE(history::parse_ranges("")->empty());
    for (const char* bad : {"x", "1-", "-1", "5-3", "3,2", "1-5,5", "70000", "1,,2"}) {
        EXPECT_FALSE(history::parse_ranges(bad)) << bad;
    }
}

TEST(HistoryCompact, DefaultIsTheMostCommonStateThatIsNotOpen) {
    auto ports = ports_of({1, 2, 3, 4, 5, 6});
    for (auto i : {0, 1, 2}) {
        ports[static_cast<std::size_t>(i)].state = PortState::open;  // open is never the default
        ports[static_cast<std::size_t>(i)].reason = Reason::syn_ack;
    }
    ports[3].reason_ttl = 64;
    ports[4].reason_ttl = 64;
    auto def = history::choose_default(ports);
    ASSERT_TRUE(def);
    EXPECT_EQ(def->state, PortState::closed);
    EXPECT_EQ(def->ttl, std::optional<std::uint8_t>(64));
    EXPECT_FALSE(history::covered_by_default(ports[0], def));
    EXPECT_TRUE(history::covered_by_default(ports[3], def));
    EXPECT_FALSE(history::covered_by_default(ports[5], def));  // no TTL: a row of its own

    // A tie goes to the first (state, reason) in enum order, whatever the port order.
    auto tie = ports_of({1, 2});
    tie[0] = {Proto::tcp, 1, PortState::filtered, Reason::no_response, {}, {}, {}};
    auto d1 = history::choose_default(tie);
    std::swap(tie[0], tie[1]);
    auto d2 = history::choose_default(tie);
    ASSERT_TRUE(d1 && d2);
    EXPECT_EQ(d1->state, PortState::closed);
    EXPECT_EQ(d2->state, PortState::closed);

    auto all_open = ports_of({1});
    all_open[0].state = PortState::open;
    EXPECT_FALSE(history::choose_default(all_open));
    EXPECT_FALSE(history::choose_default({}));
}

// One host, every TCP port: three open, the rest closed (reset). Prints time and file growth
// for the version 1 layout (a row per port) and the compact one. Not a timed assertion.
TEST(HistorySize, FullPortScanOfOneHost) {
    HostResult host;
    host.address = *Address::parse("198.18.1.10");
    host.state = HostState::up;
    host.reason = Reason::syn_ack;
    host.end_time = at_second(10);
    for (std::uint32_t p = 1; p <= 65535; ++p) {
        const bool open = p == 22 || p == 80 || p == 443;
        host.ports.push_back({Proto::tcp, static_cast<std::uint16_t>(p), open ? PortState::open : PortState::closed,
                              open ? Reason::syn_ack : Reason::reset, 64, {},
                              open ? std::optional<std::uint32_t>(150) : std::nullopt});
    }
    const std::vector<HostResult> hosts{host};
    const ScanInfo info{at_second(0), at_second(10), "portwarden scan -sS -p- 198.18.1.10", "raw", "syn"};
    const auto dir = std::filesystem::temp_directory_path() / fmt::format("pw_history_size_{}", ::getpid());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const auto size_of = [](const std::filesystem::path& db) {
        std::uintmax_t total = 0;
        for (const char* suffix : {"", "-wal"}) {
            std::error_code ec;
            const auto n = std::filesystem::file_size(db.string() + suffix, ec);
            total += ec ? 0 : n;
        }
        return total;
    };
    using Clock = std::chrono::steady_clock;
    const auto ms = [](Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); };

    const auto before_path = dir / "v1.db";
    std::uintmax_t before_growth = 0;
    double before_ms = 0;
    {
        auto db = history::open_sqlite(before_path.string());
        ASSERT_TRUE(db) << db.error().message;
        v1::create(**db);
        const auto empty = size_of(before_path);
        const auto start = Clock::now();
        v1::record(**db, info, hosts);
        before_ms = ms(Clock::now() - start);
        before_growth = size_of(before_path) - empty;
    }
    const auto after_path = dir / "v2.db";
    std::uintmax_t after_growth = 0;
    double after_ms = 0;
    {
        auto store = open_history(after_path.string());
        ASSERT_TRUE(store) << store.error().message;
        const auto empty = size_of(after_path);
        const auto start = Clock::now();
        auto id = (*store)->record_scan(info, hosts);
        after_ms = ms(Clock::now() - start);
        ASSERT_TRUE(id) << id.error().message;
        after_growth = size_of(after_path) - empty;
        const auto load_start = Clock::now();
        auto loaded = (*store)->load_scan(*id);
        const double load_ms = ms(Clock::now() - load_start);
        ASSERT_TRUE(loaded) << loaded.error().message;
        ASSERT_EQ(loaded->at(0).ports.size(), 65535u);
        EXPECT_EQ(loaded->at(0).ports[21].state, PortState::open);
        EXPECT_EQ(loaded->at(0).ports[22].reason_ttl, std::optional<std::uint8_t>(64));
        fmt::print("load_scan of the compact -p- scan: {:.1f} ms\n", load_ms);
    }
    fmt::print("record_scan, 1 host x 65535 TCP ports (3 open): version 1 rows {:.1f} ms, +{} KB; "
               "compact {:.1f} ms, +{} KB\n",
               before_ms, before_growth / 1024, after_ms, after_growth / 1024);
    EXPECT_LT(after_growth, 200u * 1024);
    std::filesystem::remove_all(dir);
}

// A year of nightly -p- scans of one host (run by hand: --gtest_also_run_disabled_tests):
// prints how long the queries over it take. Not a timed assertion.
TEST(HistorySize, DISABLED_AYearOfNightlyFullScans) {
    const auto dir = std::filesystem::temp_directory_path() / fmt::format("pw_history_year_{}", ::getpid());
    std::filesystem::remove_all(dir);
    auto store = open_history((dir / "h.db").string());
    ASSERT_TRUE(store) << store.error().message;
    using Clock = std::chrono::steady_clock;
    const auto ms = [](Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); };
    const auto address = *Address::parse("198.18.1.10");
    const auto start = Clock::now();
    for (int day = 0; day < 365; ++day) {
        HostResult host;
        host.address = address;
        host.state = HostState::up;
        host.end_time = at_second(86400 * day);
        for (std::uint32_t p = 1; p <= 65535; ++p) {
            const bool open = p == 22 || p == 443 || (p == 8080 && day % 3 == 0);
            host.ports.push_back({Proto::tcp, static_cast<std::uint16_t>(p), open ? PortState::open : PortState::closed,
                                  open ? Reason::syn_ack : Reason::reset, 64, {}, {}});
        }
        const std::vector<HostResult> hosts{host};
        ASSERT_TRUE((*store)->record_scan(ScanInfo{host.end_time, host.end_time, "scan", "raw", "syn"}, hosts));
    }
    fmt::print("365 scans recorded: {:.0f} ms, file {} KB\n", ms(Clock::now() - start),
               std::filesystem::file_size(dir / "h.db") / 1024);
    auto t = Clock::now();
    auto seen = (*store)->last_seen(address, "syn");
    fmt::print("last_seen: {:.1f} ms ({} ports)\n", ms(Clock::now() - t), seen ? seen->size() : 0);
    t = Clock::now();
    auto line = (*store)->timeline(address, Proto::tcp, 8080);
    fmt::print("timeline: {:.1f} ms ({} observations)\n", ms(Clock::now() - t), line ? line->size() : 0);
    t = Clock::now();
    auto opened = (*store)->newly_open(at_second(86400 * 300));
    fmt::print("newly_open: {:.1f} ms ({} ports)\n", ms(Clock::now() - t), opened ? opened->size() : 0);
    t = Clock::now();
    auto flaps = (*store)->flapping(at_second(0), at_second(86400 * 365), 1);
    fmt::print("flapping over the year: {:.1f} ms ({} ports)\n", ms(Clock::now() - t), flaps ? flaps->size() : 0);
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace portwarden::test

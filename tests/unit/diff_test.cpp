// diff_scans: state changes, ports and hosts on one side only; reasons alone are no change.
#include <algorithm>

#include <gtest/gtest.h>

#include "port_result_builder.hpp"

#include "portwarden/diff.hpp"

namespace portwarden {
namespace {

HostResult host(const char* a, HostState s, std::vector<PortResult> ports) {
    HostResult h;
    h.address = Address::parse(a).value();
    h.state = s;
    h.ports = std::move(ports);
    return h;
}

using test::port;

TEST(Diff, SameScansAreNotDifferentEvenWithOtherReasonWords) {
    const std::vector<HostResult> a{host("198.18.1.10", HostState::up, {port(22, PortState::open, Reason::syn_ack),
                                                                        port(23, PortState::closed, Reason::reset)})};
    auto b = a;
    b[0].ports[1].reason = Reason::conn_refused;  // -sT words a RST differently: same state
    const auto d = diff_scans(a, b);
    EXPECT_FALSE(d.different());
    EXPECT_NE(render_diff_text(d, "a", "b").find("no differences"), std::string::npos);
}

TEST(Diff, StateChangesAndOneSidedPortsAndHosts) {
    const std::vector<HostResult> a{host("198.18.1.10", HostState::up, {port(22, PortState::open, Reason::syn_ack),
                                                                        port(4444, PortState::closed, Reason::reset)}),
                                    host("198.18.1.11", HostState::up, {})};
    const std::vector<HostResult> b{host("198.18.1.10", HostState::up, {port(22, PortState::open, Reason::syn_ack),
                                                                        port(4444, PortState::open, Reason::syn_ack),
                                                                        port(5000, PortState::closed, Reason::reset)}),
                                    host("198.18.1.12", HostState::down, {})};
    const auto d = diff_scans(a, b);
    ASSERT_EQ(d.hosts.size(), 3U);
    ASSERT_EQ(d.hosts[0].ports.size(), 1U);  // 5000 was scanned by B only: no change
    EXPECT_EQ(d.hosts[0].ports[0].port, 4444);
    EXPECT_EQ(d.hosts[0].ports[0].a.state, PortState::closed);
    EXPECT_EQ(d.hosts[0].ports[0].b.state, PortState::open);
    EXPECT_EQ(d.hosts[0].one_sided_ports, 1U);
    EXPECT_EQ(d.hosts[1].a, HostState::up);
    EXPECT_FALSE(d.hosts[1].b.has_value());
    EXPECT_FALSE(d.hosts[2].a.has_value());
    EXPECT_EQ(d.hosts[2].b, HostState::down);
    const std::string text = render_diff_text(d, "old.xml", "new.xml");
    EXPECT_NE(text.find("-4444/tcp  closed          reset"), std::string::npos) << text;
    EXPECT_NE(text.find("+4444/tcp  open            syn-ack"), std::string::npos) << text;
    EXPECT_EQ(text.find("5000/tcp"), std::string::npos) << text;
    EXPECT_NE(text.find("(1 port scanned on one side only: not compared)"), std::string::npos) << text;
    const std::string json = render_diff_json(d, "old.xml", "new.xml");
    EXPECT_NE(json.find("\"different\": true"), std::string::npos) << json;
}

// Two scans of different port ranges (1-1000 and 500-12000): only the overlap is compared,
// the rest is one count, not 11 000 "not scanned" lines.
TEST(Diff, DifferentPortRangesCompareOnlyTheOverlap) {
    HostResult a = host("198.18.1.10", HostState::up, {});
    HostResult b = a;
    for (std::uint16_t p = 1; p <= 1000; ++p) {
        a.ports.push_back(port(p, PortState::closed, Reason::reset));
    }
    for (std::uint16_t p = 500; p <= 12000; ++p) {
        b.ports.push_back(port(p, p == 800 ? PortState::open : PortState::closed, Reason::reset));
    }
    const auto d = diff_scans({a}, {b});
    ASSERT_EQ(d.hosts.size(), 1U);
    ASSERT_EQ(d.hosts[0].ports.size(), 1U);
    EXPECT_EQ(d.hosts[0].ports[0].port, 800);
    EXPECT_EQ(d.hosts[0].one_sided_ports, 499U + 11000U);
    const std::string text = render_diff_text(d, "a", "b");
    EXPECT_LT(std::count(text.begin(), text.end(), '\n'), 10) << text;
    EXPECT_FALSE(diff_scans({a}, {b}).hosts.empty());
    b.ports[300].state = PortState::closed;  // port 800 back to closed: the overlap is equal
    EXPECT_FALSE(diff_scans({a}, {b}).different());
}

}  // namespace
}  // namespace portwarden

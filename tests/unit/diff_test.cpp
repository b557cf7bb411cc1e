// diff_scans: state changes, ports and hosts on one side only; reasons alone are no change.
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
    ASSERT_EQ(d.hosts[0].ports.size(), 2U);
    EXPECT_EQ(d.hosts[0].ports[0].port, 4444);
    EXPECT_EQ(d.hosts[0].ports[0].a->state, PortState::closed);
    EXPECT_EQ(d.hosts[0].ports[0].b->state, PortState::open);
    EXPECT_EQ(d.hosts[0].ports[1].port, 5000);
    EXPECT_FALSE(d.hosts[0].ports[1].a.has_value());
    EXPECT_EQ(d.hosts[1].a, HostState::up);
    EXPECT_FALSE(d.hosts[1].b.has_value());
    EXPECT_FALSE(d.hosts[2].a.has_value());
    EXPECT_EQ(d.hosts[2].b, HostState::down);
    const std::string text = render_diff_text(d, "old.xml", "new.xml");
    EXPECT_NE(text.find("-4444/tcp  closed          reset"), std::string::npos) << text;
    EXPECT_NE(text.find("+4444/tcp  open            syn-ack"), std::string::npos) << text;
    EXPECT_NE(text.find("+5000/tcp  closed"), std::string::npos) << text;
    const std::string json = render_diff_json(d, "old.xml", "new.xml");
    EXPECT_NE(json.find("\"different\": true"), std::string::npos) << json;
}

}  // namespace
}  // namespace portwarden

// nmap -p syntax, port exclusion and the shipped top-ports lists.
#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "portwarden/ports.hpp"
#include "portwarden/services.hpp"

namespace portwarden {
namespace {

using Ports = std::vector<std::uint16_t>;

constexpr PortProtocols tcp_only{true, false};
constexpr PortProtocols udp_only{false, true};
constexpr PortProtocols both{true, true};

ServiceNames test_services() {
    return ServiceNames::parse("ssh 22/tcp\nhttp 80/tcp\nhttp 80/udp\ndomain 53/tcp\ndomain 53/udp\n"
                               "snmp 161/udp\nhttps 443/tcp\n");
}

PortList parse_ok(std::string_view spec, PortProtocols scanned = tcp_only, const ServiceNames* services = nullptr) {
    auto r = parse_ports(spec, scanned, services);
    EXPECT_TRUE(r.has_value()) << spec << ": " << (r ? "" : r.error().message);
    return r.value_or(PortList{});
}

TEST(PortsParse, SinglesAndListsSortedUnique) {
    EXPECT_EQ(parse_ok("22").tcp, Ports{22});
    EXPECT_TRUE(parse_ok("22").udp.empty());
    EXPECT_EQ(parse_ok("443,22,80,22").tcp, (Ports{22, 80, 443}));
    EXPECT_EQ(parse_ok("22", udp_only).udp, Ports{22});
    EXPECT_TRUE(parse_ok("22", udp_only).tcp.empty());
}

TEST(PortsParse, Ranges) {
    const auto r = parse_ok("1000-2000");
    EXPECT_EQ(r.tcp.size(), 1001U);
    EXPECT_EQ(r.tcp.front(), 1000);
    EXPECT_EQ(r.tcp.back(), 2000);
    const auto low = parse_ok("-100");
    EXPECT_EQ(low.tcp.size(), 100U);
    EXPECT_EQ(low.tcp.front(), 1);
    const auto high = parse_ok("60000-");
    EXPECT_EQ(high.tcp.size(), 5536U);
    EXPECT_EQ(high.tcp.back(), 65535);
    const auto all = parse_ok("-", both);
    EXPECT_EQ(all.tcp.size(), 65535U);
    EXPECT_EQ(all.udp.size(), 65535U);
    EXPECT_EQ(all.tcp.front(), 1);
    EXPECT_EQ(parse_ok("5-5").tcp, Ports{5});
    EXPECT_EQ(parse_ok("80,70-90,85").tcp.size(), 21U);
}

TEST(PortsParse, PortZeroOnlyWhenExplicit) {
    EXPECT_EQ(parse_ok("0").tcp, Ports{0});
    EXPECT_EQ(parse_ok("0-3").tcp, (Ports{0, 1, 2, 3}));
    EXPECT_EQ(parse_ok("-3").tcp, (Ports{1, 2, 3}));
    EXPECT_EQ(parse_ok("0-").tcp.size(), 65536U);
}

TEST(PortsParse, ProtocolPrefixes) {
    const auto r = parse_ok("T:22,80,U:53,161", both);
    EXPECT_EQ(r.tcp, (Ports{22, 80}));
    EXPECT_EQ(r.udp, (Ports{53, 161}));
    const auto mixed = parse_ok("22,U:53,T:25", both);
    EXPECT_EQ(mixed.tcp, (Ports{22, 25}));
    EXPECT_EQ(mixed.udp, (Ports{22, 53}));
    const auto lower = parse_ok("t:1-2,u:3", both);
    EXPECT_EQ(lower.tcp, (Ports{1, 2}));
    EXPECT_EQ(lower.udp, Ports{3});
}

TEST(PortsParse, UnscannedProtocolDropped) {
    const auto r = parse_ok("T:22,U:53", tcp_only);
    EXPECT_EQ(r.tcp, Ports{22});
    EXPECT_TRUE(r.udp.empty());
    const auto u = parse_ok("T:22,U:53", udp_only);
    EXPECT_TRUE(u.tcp.empty());
    EXPECT_EQ(u.udp, Ports{53});
    EXPECT_TRUE(parse_ok("U:53", tcp_only).empty());
}

TEST(PortsParse, ServiceNames) {
    const auto services = test_services();
    EXPECT_EQ(parse_ok("http,ssh", tcp_only, &services).tcp, (Ports{22, 80}));
    const auto both_http = parse_ok("http", both, &services);
    EXPECT_EQ(both_http.tcp, Ports{80});
    EXPECT_EQ(both_http.udp, Ports{80});
    const auto udp_domain = parse_ok("U:domain,T:https", both, &services);
    EXPECT_EQ(udp_domain.udp, Ports{53});
    EXPECT_EQ(udp_domain.tcp, Ports{443});
    EXPECT_EQ(parse_ok("HTTP", tcp_only, &services).tcp, Ports{80});
    // A name that exists only for an unscanned protocol adds nothing.
    EXPECT_TRUE(parse_ok("snmp", tcp_only, &services).empty());
    EXPECT_EQ(parse_ok("snmp,22", both, &services).udp, (Ports{22, 161}));
}

TEST(PortsWithout, RemovesPorts) {
    const PortList ports{{22, 80, 443}, {53, 161}};
    const PortList excluded{{80, 8080}, {161}};
    const auto r = without(ports, excluded);
    EXPECT_EQ(r.tcp, (Ports{22, 443}));
    EXPECT_EQ(r.udp, Ports{53});
    const auto parsed = without(parse_ok("-", both), parse_ok("2-", both));
    EXPECT_EQ(parsed.tcp, Ports{1});
}

struct BadPorts {
    const char* spec;
    const char* token;   // must appear quoted in the message
    const char* reason;  // must appear in the message
};

TEST(PortsBadInput, ErrorsNameTheToken) {
    const auto services = test_services();
    const BadPorts cases[] = {
        {"22,70000", "70000", "out of range 0-65535"},
        {"65536", "65536", "out of range"},
        {"123456", "123456", "out of range"},
        {"1-70000", "70000", "out of range"},
        {"-70000", "70000", "out of range"},
        {"100-50", "100-50", "bad port range"},
        {"1-2-3", "1-2-3", "bad port range"},
        {"22,,80", "22,,80", "empty item"},
        {",22", ",22", "empty item"},
        {"22,", "22,", "empty item"},
        {"", "", "empty"},
        {"22a", "22a", "not a port number"},
        {"0x16", "0x16", "not a port number"},
        {"22 80", "22 80", "not a port number"},
        {"http*", "http*", "not a port number"},
        {"U:", "U:", "no ports after 'U:'"},
        {"T:22,U:", "T:22,U:", "no ports after"},
        {"S:22", "S:22", "SCTP is not supported"},
        {"T:22,S:1", "T:22,S:1", "SCTP is not supported"},
        {"X:22", "X:22", "unknown protocol prefix"},
        {"T:U:53", "U:53", "not a port number"},
        {"nosuchservice", "nosuchservice", "unknown service name"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.spec);
        const auto r = parse_ports(c.spec, both, &services);
        ASSERT_FALSE(r.has_value());
        const std::string& message = r.error().message;
        EXPECT_NE(message.find(std::string("'") + c.token + "'"), std::string::npos) << message;
        EXPECT_NE(message.find(c.reason), std::string::npos) << message;
        EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    }
}

TEST(PortsBadInput, ExactMessagesAndNoServiceTable) {
    EXPECT_EQ(parse_ports("22,70000", tcp_only, nullptr).error().message,
              "bad port '70000' in '22,70000': out of range 0-65535");
    const auto r = parse_ports("http", tcp_only, nullptr);
    ASSERT_FALSE(r.has_value());
    EXPECT_NE(r.error().message.find("'http'"), std::string::npos);
}

void expect_unique_valid(std::span<const std::uint16_t> ranked) {
    const std::set<std::uint16_t> unique(ranked.begin(), ranked.end());
    EXPECT_EQ(unique.size(), ranked.size());
    EXPECT_EQ(unique.count(0), 0U);
}

TEST(PortsTop, ShippedListsAreUniqueWithExpectedCounts) {
    EXPECT_EQ(top_tcp_ports_ranked().size(), 1000U);
    EXPECT_GE(top_udp_ports_ranked().size(), 300U);
    expect_unique_valid(top_tcp_ports_ranked());
    expect_unique_valid(top_udp_ports_ranked());
    EXPECT_EQ(top_tcp_ports_ranked().front(), 80);
    EXPECT_EQ(top_udp_ports_ranked().front(), 53);
}

TEST(PortsTop, FirstNSorted) {
    const auto ten = top_ports(10, tcp_only);
    EXPECT_EQ(ten.tcp.size(), 10U);
    EXPECT_TRUE(ten.udp.empty());
    EXPECT_TRUE(std::is_sorted(ten.tcp.begin(), ten.tcp.end()));
    for (const std::uint16_t port : {std::uint16_t{22}, std::uint16_t{80}, std::uint16_t{443}}) {
        EXPECT_TRUE(std::binary_search(ten.tcp.begin(), ten.tcp.end(), port)) << port;
    }
    const auto all = top_ports(100000, both);
    EXPECT_EQ(all.tcp.size(), top_tcp_ports_ranked().size());
    EXPECT_EQ(all.udp.size(), top_udp_ports_ranked().size());
    EXPECT_TRUE(std::is_sorted(all.udp.begin(), all.udp.end()));
    EXPECT_TRUE(top_ports(0, both).empty());
    EXPECT_EQ(top_ports(20, udp_only).udp.size(), 20U);
}

TEST(PortsTop, RankedByNmapServicesFrequencyWhenItHasOne) {
    // Most often open first; equal frequencies by port number (nmap's --top-ports order).
    const ServiceNames ranking = ServiceNames::parse(
        "http\t80/tcp\t0.484143\n"
        "a\t9000/tcp\t0.001000\n"
        "b\t8000/tcp\t0.001000\n"
        "ssh\t22/tcp\t0.182286\t# Secure Shell\n"
        "domain\t53/udp\t0.213496\n"
        "zero\t7/tcp\t0.000000\n");
    EXPECT_EQ(std::vector<std::uint16_t>(ranking.ranked(Proto::tcp).begin(), ranking.ranked(Proto::tcp).end()),
              (std::vector<std::uint16_t>{80, 22, 8000, 9000, 7}));
    EXPECT_EQ(top_ports(3, tcp_only, &ranking).tcp, (std::vector<std::uint16_t>{22, 80, 8000}));
    EXPECT_EQ(top_ports(1, both, &ranking).udp, (std::vector<std::uint16_t>{53}));
    // /etc/services has no frequency column: the built-in list stays.
    const ServiceNames plain = ServiceNames::parse("ssh\t22/tcp\nhttp\t80/tcp www\n");
    EXPECT_TRUE(plain.ranked(Proto::tcp).empty());
    EXPECT_EQ(top_ports(10, tcp_only, &plain).tcp, top_ports(10, tcp_only).tcp);
    EXPECT_EQ(top_ports(10, tcp_only, nullptr).tcp, top_ports(10, tcp_only).tcp);
}

}  // namespace
}  // namespace portwarden

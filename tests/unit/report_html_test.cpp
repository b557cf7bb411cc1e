// The HTML report: self-contained (nothing fetched), the sections and ids it promises, escaped
// text, and a size bound for -p- hosts.
#include <iostream>

#include <gtest/gtest.h>

#include "portwarden/report.hpp"

namespace portwarden::report {
namespace {

HostResult host(const char* address, std::string hostname = {}) {
    HostResult h;
    h.address = *Address::parse(address);
    h.hostname = std::move(hostname);
    h.state = HostState::up;
    h.reason = Reason::syn_ack;
    return h;
}

void add(HostResult& h, std::uint16_t port, PortState state, Reason reason, Proto proto = Proto::tcp) {
    PortResult p;
    p.proto = proto;
    p.port = port;
    p.state = state;
    p.reason = reason;
    h.ports.push_back(p);
}

// A -p- scan of a host: closed everywhere, a few open ports, a filtered block, scattered
// open|filtered ports.
HostResult full_host(const char* address) {
    HostResult h = host(address);
    for (std::uint32_t port = 1; port <= 65535; ++port) {
        const auto p = static_cast<std::uint16_t>(port);
        if (p == 22 || p == 80 || p == 443 || p == 8443) {
            add(h, p, PortState::open, Reason::syn_ack);
        } else if (p >= 6000 && p < 7000) {
            add(h, p, PortState::filtered, Reason::no_response);
        } else if (p % 97 == 0) {
            add(h, p, PortState::open_filtered, Reason::no_response);
        } else {
            add(h, p, PortState::closed, Reason::reset);
        }
    }
    return h;
}

ReportInput input(std::string name, const std::vector<HostResult>& hosts) {
    ReportInput in;
    in.name = std::move(name);
    in.hosts = &hosts;
    return in;
}

// The page of "now.jsonl" with a policy's findings and the drift since "before.jsonl".
std::string full_page(const std::vector<HostResult>& now, const audit::Policy& policy, const audit::Evaluation& ev,
                      const ScanDiff& drift) {
    ReportInput in = input("now.jsonl", now);
    in.policy = &policy;
    in.evaluation = &ev;
    in.previous_name = "before.jsonl";
    in.drift = &drift;
    return render_html(in);
}

bool self_contained(const std::string& html) {
    return html.find("http://") == std::string::npos && html.find("https://") == std::string::npos &&
           html.find("src=") == std::string::npos && html.find("<script") == std::string::npos &&
           html.find("@import") == std::string::npos && html.find("url(") == std::string::npos;
}

TEST(ReportHtml, HostsMapsAndPortTable) {
    std::vector<HostResult> hosts{host("198.18.1.10")};
    add(hosts[0], 22, PortState::open, Reason::syn_ack);
    add(hosts[0], 25, PortState::closed, Reason::reset);
    add(hosts[0], 26, PortState::closed, Reason::reset);
    add(hosts[0], 443, PortState::filtered, Reason::admin_prohibited);
    add(hosts[0], 53, PortState::open_filtered, Reason::no_response, Proto::udp);
    const ReportInput in = input("scan.jsonl", hosts);
    const std::string html = render_html(in);
    EXPECT_TRUE(self_contained(html));
    EXPECT_NE(html.find("<!DOCTYPE html>"), std::string::npos);
    EXPECT_NE(html.find("id=\"host-198.18.1.10\""), std::string::npos);
    EXPECT_NE(html.find("class=\"portmap\" data-proto=\"tcp\""), std::string::npos);
    EXPECT_NE(html.find("class=\"portmap\" data-proto=\"udp\""), std::string::npos);
    EXPECT_NE(html.find("class=\"legend\""), std::string::npos);
    EXPECT_NE(html.find("<td>22/tcp</td>"), std::string::npos);
    EXPECT_NE(html.find("admin-prohibited"), std::string::npos);
    EXPECT_EQ(html.find("<td>25/tcp</td>"), std::string::npos);  // the common state is counted, not listed
    EXPECT_NE(html.find("Not shown: 2 tcp ports closed"), std::string::npos);
    EXPECT_EQ(html.find("id=\"violations\""), std::string::npos);  // no policy, no section
    EXPECT_EQ(html.find("id=\"drift\""), std::string::npos);
}

TEST(ReportHtml, EscapesNamesAndPaths) {
    std::vector<HostResult> hosts{host("198.18.1.10", "<script>alert(1)</script>&")};
    add(hosts[0], 22, PortState::open, Reason::syn_ack);
    const ReportInput in = input("a\"<b>.jsonl", hosts);
    const std::string html = render_html(in);
    EXPECT_EQ(html.find("<script>"), std::string::npos);
    EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;&amp;"), std::string::npos);
    EXPECT_NE(html.find("a&quot;&lt;b&gt;.jsonl"), std::string::npos);
}

TEST(ReportHtml, ViolationsAndDrift) {
    std::vector<HostResult> before{host("198.18.1.10")};
    add(before[0], 22, PortState::open, Reason::syn_ack);
    add(before[0], 3306, PortState::closed, Reason::reset);
    std::vector<HostResult> now{host("198.18.1.10")};
    add(now[0], 22, PortState::open, Reason::syn_ack);
    add(now[0], 3306, PortState::open, Reason::syn_ack);
    auto policy = audit::parse_policy(
        "[groups.web]\nhosts = [\"198.18.1.10\"]\n[[groups.web.allow]]\nport = 22\nowner = \"ops<&>\"\n", "p<1>.toml");
    ASSERT_TRUE(policy) << policy.error().message;
    const audit::Evaluation ev = audit::evaluate(*policy, now, audit::Date{2026, 11, 30});
    const ScanDiff drift = diff_scans(before, now);
    const std::string html = full_page(now, *policy, ev, drift);
    EXPECT_TRUE(self_contained(html));
    EXPECT_NE(html.find("id=\"violations\""), std::string::npos);
    EXPECT_NE(html.find("<tr class=\"finding violation\"><td>PW001 unexpected-open</td>"), std::string::npos);
    EXPECT_NE(html.find("p&lt;1&gt;.toml"), std::string::npos);
    EXPECT_NE(html.find("id=\"drift\""), std::string::npos);
    EXPECT_NE(html.find("<td>3306/tcp</td><td>closed (reset)</td><td>open (syn-ack)</td>"), std::string::npos);
}

// A stealth group over a -p- host that answers every probe with a RST: 65 535 findings, and a
// drift from a scan where all were filtered. Runs of equal findings and changes are ranges:
// the page stays small enough for a browser (it was 15-37 MB, one row per port).
TEST(ReportHtml, RunsOfEqualFindingsAndChangesAreRanges) {
    std::vector<HostResult> before{host("198.18.1.10")};
    std::vector<HostResult> now{host("198.18.1.10")};
    for (std::uint32_t port = 1; port <= 65535; ++port) {
        const auto p = static_cast<std::uint16_t>(port);
        add(before[0], p, PortState::filtered, Reason::no_response);
        add(now[0], p, p == 443 ? PortState::open : PortState::closed, p == 443 ? Reason::syn_ack : Reason::reset);
    }
    auto policy = audit::parse_policy("[groups.dmz]\nhosts = [\"198.18.1.10\"]\nunlisted = \"filtered\"\n"
                                      "[[groups.dmz.allow]]\nport = 443\nowner = \"web\"\n",
                                      "dmz.toml");
    ASSERT_TRUE(policy) << policy.error().message;
    const audit::Evaluation ev = audit::evaluate(*policy, now, audit::Date{2026, 11, 30});
    ASSERT_EQ(ev.findings.size(), 65534U);
    const ScanDiff drift = diff_scans(before, now);
    const std::string html = full_page(now, *policy, ev, drift);
    EXPECT_LT(html.size(), 200u * 1024) << html.size();
    EXPECT_NE(html.find("<td>1-442/tcp</td>"), std::string::npos);
    EXPECT_NE(html.find("<td>444-65535/tcp</td>"), std::string::npos);
    EXPECT_NE(html.find("198.18.1.10: 444-65535/tcp is closed"), std::string::npos);
    EXPECT_NE(html.find("<td>444-65535/tcp</td><td>filtered (no-response)</td><td>closed (reset)</td>"),
              std::string::npos);
    EXPECT_NE(html.find("<td>443/tcp</td><td>filtered (no-response)</td><td>open (syn-ack)</td>"),
              std::string::npos);
    std::cout << "stealth -p- host with drift: " << html.size() << " bytes\n";
}

TEST(ReportHtml, NoChangesAndNoFindingsSaySo) {
    std::vector<HostResult> now{host("198.18.1.10")};
    add(now[0], 22, PortState::open, Reason::syn_ack);
    const ScanDiff drift = diff_scans(now, now);
    ReportInput in = input("now.jsonl", now);
    in.previous_name = "@3";
    in.drift = &drift;
    EXPECT_NE(render_html(in).find("<p>No changes.</p>"), std::string::npos);
}

TEST(ReportPortmap, RunsAreMergedAndTheCommonStateIsTheBackground) {
    HostResult h = host("198.18.1.10");
    for (std::uint16_t p = 256; p < 512; ++p) {
        add(h, p, PortState::filtered, Reason::no_response);
    }
    add(h, 22, PortState::open, Reason::syn_ack);
    const std::string svg = render_portmap_svg(h, Proto::tcp);
    EXPECT_NE(svg.find("<rect class=\"st-none\" width=\"256\" height=\"256\"/>"), std::string::npos);
    EXPECT_NE(svg.find("<path class=\"st-open\" d=\"M22 0h1v1h-1z\"/>"), std::string::npos);
    EXPECT_NE(svg.find("<path class=\"st-filtered\" d=\"M0 1h256v1h-256z\"/>"), std::string::npos);
    EXPECT_EQ(render_portmap_svg(h, Proto::udp).find("<path"), std::string::npos);
}

TEST(ReportHtml, FourFullHostsStaySmall) {
    std::vector<HostResult> hosts{full_host("198.18.1.10"), full_host("198.18.1.11"), full_host("198.18.1.12"),
                                  full_host("198.18.1.13")};
    const std::string html = render_html(input("full.jsonl", hosts));
    EXPECT_LT(html.size(), 2u * 1024 * 1024) << html.size();
    EXPECT_TRUE(self_contained(html));
    EXPECT_NE(html.find("Not shown: 63867 tcp ports closed"), std::string::npos);
    EXPECT_NE(html.find("id=\"host-198.18.1.13\""), std::string::npos);
    std::cout << "4 hosts x 65535 ports: " << html.size() << " bytes\n";
}

TEST(ReportPortmap, WorstCaseAlternatingStatesStayBounded) {
    HostResult h = host("198.18.1.10");
    for (std::uint32_t port = 1; port <= 65535; ++port) {
        add(h, static_cast<std::uint16_t>(port), port % 2 == 0 ? PortState::open : PortState::closed,
            port % 2 == 0 ? Reason::syn_ack : Reason::reset);
    }
    EXPECT_LT(render_portmap_svg(h, Proto::tcp).size(), 1024u * 1024);
}

// One open port among 65 534 closed ones: a ring on its cell and a label naming it; a run of
// equal ports is one ring, one label and one table row.
TEST(ReportPortmap, OneOpenPortIsMarkedAndLabelled) {
    HostResult h = host("198.18.1.10");
    for (std::uint32_t port = 1; port <= 65535; ++port) {
        const auto p = static_cast<std::uint16_t>(port);
        add(h, p, p == 31337 ? PortState::open : (p >= 8080 && p <= 8082 ? PortState::filtered : PortState::closed),
            p == 31337 ? Reason::syn_ack : Reason::reset);
    }
    const std::string svg = render_portmap_svg(h, Proto::tcp);
    EXPECT_NE(svg.find("<circle class=\"ring st-open\" cx=\"105.5\" cy=\"122.5\""), std::string::npos);  // 31337 = 122 * 256 + 105
    EXPECT_NE(svg.find(">31337/tcp open</text>"), std::string::npos);
    EXPECT_NE(svg.find(">8080-8082/tcp filtered</text>"), std::string::npos);
    const std::vector<HostResult> hosts{h};
    const std::string page = render_html(input("one.jsonl", hosts));
    EXPECT_NE(page.find("<td>8080-8082/tcp</td>"), std::string::npos);
    EXPECT_EQ(page.find("<td>8081/tcp</td>"), std::string::npos);
}

// Many runs: rings for the first 256, labels for the first 24, open ports first.
TEST(ReportPortmap, MarkersAreBounded) {
    HostResult h = host("198.18.1.10");
    for (std::uint32_t port = 1; port <= 65535; ++port) {
        const auto p = static_cast<std::uint16_t>(port);
        add(h, p, p % 50 == 0 ? PortState::filtered : (p == 64999 ? PortState::open : PortState::closed), Reason::reset);
    }
    const std::string svg = render_portmap_svg(h, Proto::tcp);
    const auto count = [&](const std::string& needle) {
        std::size_t n = 0;
        for (auto at = svg.find(needle); at != std::string::npos; at = svg.find(needle, at + 1)) {
            ++n;
        }
        return n;
    };
    EXPECT_EQ(count("<circle class=\"ring "), 256u);
    EXPECT_EQ(count("<text class=\"marker-label\""), 24u);
    EXPECT_LT(svg.find(">64999/tcp open</text>"), svg.find(">50/tcp filtered</text>"));
}

TEST(ReportTimeline, LinesPerHostAndDriftBars) {
    const auto t0 = std::chrono::system_clock::time_point{} + std::chrono::hours(24 * 20000);
    std::vector<TimelineScan> scans{
        {7, t0, {{*Address::parse("198.18.1.10"), 2}, {*Address::parse("198.18.1.11"), 0}}, 0},
        {8, t0 + std::chrono::hours(24), {{*Address::parse("198.18.1.10"), 3}}, 1},
        {9, t0 + std::chrono::hours(48), {{*Address::parse("198.18.1.10"), 1}, {*Address::parse("198.18.1.11"), 4}}, 6}};
    const std::string svg = render_timeline_svg(scans);
    EXPECT_NE(svg.find("198.18.1.10 @8: 3 open</title>"), std::string::npos);
    EXPECT_NE(svg.find("198.18.1.11 @9: 4 open</title>"), std::string::npos);
    EXPECT_EQ(svg.find("198.18.1.11 @8"), std::string::npos);  // not in that scan: no point
    EXPECT_NE(svg.find("@9: 6 changed</title>"), std::string::npos);
    EXPECT_NE(svg.find(">@7 2024-10-04</text>"), std::string::npos);
    std::vector<HostResult> hosts{host("198.18.1.10")};
    ReportInput in = input("@9", hosts);
    in.timeline = &scans;
    EXPECT_NE(render_html(in).find("<section id=\"timeline\"><h2>History: 3 scans</h2>"), std::string::npos);
    scans.resize(1);
    EXPECT_EQ(render_html(in).find("id=\"timeline\""), std::string::npos);  // one scan: no chart
}

}  // namespace
}  // namespace portwarden::report

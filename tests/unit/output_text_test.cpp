// Normal (text) output: byte-exact against nmap 7.93's layout.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "output/format.hpp"
#include "output/format.hpp"
#include "output/writer.hpp"

namespace portwarden::output {
namespace {

using namespace std::chrono_literals;

const TimePoint t0 = std::chrono::sys_days{std::chrono::year{2026} / 11 / 22} + 10h;

class OutputText : public ::testing::Test {
protected:
    void SetUp() override {
        setenv("TZ", "UTC", 1);
        tzset();
        run_.args = "portwarden -sT --reason 198.18.1.10";
        run_.version = "0.1.0";
        run_.start_time = t0;
        run_.services = [this] { return &services_; };
        run_.ports.tcp = {22, 80, 8000};
        summary_.hosts_total = 1;
        summary_.hosts_up = 1;
        summary_.hosts_done = 1;
        summary_.elapsed = 450ms;
        summary_.start_time = t0;
        summary_.end_time = t0 + 1s;
    }

    static PortResult port(std::uint16_t number, PortState state, Reason reason) {
        PortResult p;
        p.port = number;
        p.state = state;
        p.reason = reason;
        return p;
    }

    static HostResult up_host(std::string_view address) {
        HostResult h;
        h.address = *Address::parse(address);
        h.state = HostState::up;
        h.reason = Reason::syn_ack;
        h.srtt_us = 120;
        h.start_time = t0;
        h.end_time = t0 + 1s;
        return h;
    }

    static HostResult down_host(std::string_view address) {
        HostResult h;
        h.address = *Address::parse(address);
        h.state = HostState::down;
        h.reason = Reason::no_response;
        return h;
    }

    // `count` closed ports from `first` on, plus port 22 open.
    static HostResult host_with_closed(std::uint16_t first, std::uint16_t count) {
        HostResult h = up_host("198.18.1.10");
        for (std::uint16_t p = first; p < first + count; ++p) {
            h.ports.push_back(port(p, PortState::closed, Reason::conn_refused));
        }
        h.ports.push_back(port(22, PortState::open, Reason::syn_ack));
        std::sort(h.ports.begin(), h.ports.end(), [](const auto& a, const auto& b) { return a.port < b.port; });
        return h;
    }

    std::string render(const std::vector<HostResult>& hosts, bool file_style = false) const {
        char* buf = nullptr;
        std::size_t size = 0;
        std::FILE* f = open_memstream(&buf, &size);
        auto writer = file_style ? make_normal_file_writer(f) : make_text_writer(f);
        writer->begin(run_);
        for (const auto& h : hosts) {
            writer->host(h);
        }
        writer->end(summary_);
        std::fclose(f);
        std::string out(buf, size);
        std::free(buf);
        return out;
    }

    // The lines between the start line and the "done" line.
    std::string body(const std::vector<HostResult>& hosts) const {
        const std::string out = render(hosts);
        const auto first = out.find('\n') + 1;
        const auto last = out.rfind("portwarden done:");
        return out.substr(first, last - first);
    }

    ServiceNames services_ = ServiceNames::parse("ssh\t22/tcp\nhttp\t80/tcp\nhttp-alt\t8000/tcp\nsmtp\t25/tcp\n");
    RunInfo run_;
    ScanSummary summary_;
};

TEST_F(OutputText, SmallHostIsExactlyNmapsLayout) {
    run_.show_reason = true;
    HostResult h = up_host("198.18.1.10");
    h.hostname = "web";
    h.ports.push_back(port(22, PortState::open, Reason::syn_ack));
    h.ports.back().reason_ttl = 64;
    h.ports.push_back(port(80, PortState::closed, Reason::conn_refused));
    h.ports.push_back(port(8000, PortState::open, Reason::syn_ack));
    EXPECT_EQ(render({h}),
              "Starting portwarden 0.1.0 at 2026-11-22 10:00 UTC\n"
              "portwarden scan report for web (198.18.1.10)\n"
              "Host is up, received syn-ack (0.00012s latency).\n"
              "\n"
              "PORT     STATE  SERVICE  REASON\n"
              "22/tcp   open   ssh      syn-ack ttl 64\n"
              "80/tcp   closed http     conn-refused\n"
              "8000/tcp open   http-alt syn-ack\n"
              "\n"
              "portwarden done: 1 IP address (1 host up) scanned in 0.45 seconds\n");
}

TEST_F(OutputText, WithoutReasonNoReasonColumnAndUnknownService) {
    HostResult h = up_host("198.18.1.10");
    h.srtt_us = 92;
    h.ports.push_back(port(22, PortState::open, Reason::syn_ack));
    h.ports.push_back(port(36, PortState::closed, Reason::conn_refused));
    EXPECT_EQ(body({h}),
              "portwarden scan report for 198.18.1.10\n"
              "Host is up (0.000092s latency).\n"
              "\n"
              "PORT   STATE  SERVICE\n"
              "22/tcp open   ssh\n"
              "36/tcp closed unknown\n"
              "\n");
}

TEST_F(OutputText, TwentySixClosedPortsCollapse) {
    EXPECT_EQ(body({host_with_closed(100, 26)}),
              "portwarden scan report for 198.18.1.10\n"
              "Host is up (0.00012s latency).\n"
              "Not shown: 26 closed tcp ports (conn-refused)\n"
              "PORT   STATE SERVICE\n"
              "22/tcp open  ssh\n"
              "\n");
}

TEST_F(OutputText, TwentyFiveClosedPortsAreListed) {
    const std::string out = body({host_with_closed(100, 25)});
    EXPECT_EQ(out.find("Not shown"), std::string::npos);
    EXPECT_NE(out.find("Host is up (0.00012s latency).\n\n"
                       "PORT    STATE  SERVICE\n22/tcp  open   ssh\n100/tcp closed unknown\n"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("124/tcp closed unknown\n\n"), std::string::npos) << out;
}

TEST_F(OutputText, VerbosityRaisesTheCollapseThreshold) {
    run_.verbosity = 1;  // 25 * 2
    EXPECT_EQ(body({host_with_closed(100, 50)}).find("Not shown"), std::string::npos);
    EXPECT_NE(body({host_with_closed(100, 51)}).find("Not shown: 51 closed tcp ports (conn-refused)\n"),
              std::string::npos);
}

TEST_F(OutputText, SeveralCollapsedStatesJoinedMostPortsFirst) {
    run_.show_reason = true;
    HostResult h = up_host("198.18.1.10");
    h.ports.push_back(port(22, PortState::open, Reason::syn_ack));
    for (std::uint16_t p = 1000; p < 1030; ++p) {
        h.ports.push_back(port(p, PortState::closed, Reason::reset));
    }
    for (std::uint16_t p = 2000; p < 2040; ++p) {
        h.ports.push_back(port(p, PortState::filtered, Reason::no_response));
    }
    h.ports.push_back(port(3000, PortState::filtered, Reason::host_unreach));
    h.ports.back().reason_ip = Address::parse("198.18.0.1");
    h.ports.push_back(port(3001, PortState::filtered, Reason::host_unreach));
    EXPECT_EQ(body({h}),
              "portwarden scan report for 198.18.1.10\n"
              "Host is up, received syn-ack (0.00012s latency).\n"
              "Not shown: 40 filtered tcp ports (no-response), 2 filtered tcp ports (host-unreach), "
              "30 closed tcp ports (reset)\n"
              "PORT   STATE SERVICE REASON\n"
              "22/tcp open  ssh     syn-ack\n"
              "\n");
}

TEST_F(OutputText, TiedReasonGroupsComeOutAsNmapsMergeSortLeavesThem) {
    HostResult h = up_host("198.18.1.10");
    for (std::uint16_t p = 1000; p < 1020; ++p) {
        h.ports.push_back(port(p, PortState::filtered, Reason::no_response));
    }
    for (std::uint16_t p = 1020; p < 1040; ++p) {
        h.ports.push_back(port(p, PortState::filtered, Reason::host_unreach));
    }
    EXPECT_NE(body({h}).find("Not shown: 20 filtered tcp ports (host-unreach), 20 filtered tcp ports (no-response)\n"),
              std::string::npos);
}

TEST_F(OutputText, ReasonColumnShowsSourceAndTtl) {
    run_.show_reason = true;
    HostResult h = up_host("198.18.1.10");
    h.ports.push_back(port(25, PortState::filtered, Reason::admin_prohibited));
    h.ports.back().reason_ip = Address::parse("198.18.0.1");
    h.ports.back().reason_ttl = 254;
    EXPECT_NE(body({h}).find("25/tcp filtered smtp    admin-prohibited from 198.18.0.1 ttl 254\n"), std::string::npos)
        << body({h});
}

TEST_F(OutputText, EveryPortCollapsedSaysAllInIgnoredStates) {
    HostResult h = up_host("198.18.1.10");
    for (std::uint16_t p = 1; p <= 39; ++p) {
        h.ports.push_back(port(p, PortState::closed, Reason::conn_refused));
    }
    EXPECT_EQ(body({h}),
              "portwarden scan report for 198.18.1.10\n"
              "Host is up (0.00012s latency).\n"
              "All 39 scanned ports on 198.18.1.10 are in ignored states.\n"
              "Not shown: 39 closed tcp ports (conn-refused)\n"
              "\n");
}

TEST_F(OutputText, OpenOnlyHidesEveryOtherStateAndHostsWithoutOpenPorts) {
    run_.open_only = true;
    HostResult h = up_host("198.18.1.10");
    h.ports.push_back(port(22, PortState::open, Reason::syn_ack));
    h.ports.push_back(port(23, PortState::closed, Reason::conn_refused));
    h.ports.push_back(port(24, PortState::closed, Reason::conn_refused));
    h.ports.push_back(port(25, PortState::filtered, Reason::no_response));
    HostResult none = up_host("198.18.1.11");
    none.ports.push_back(port(22, PortState::closed, Reason::conn_refused));
    summary_.hosts_total = 2;
    summary_.hosts_up = 2;
    EXPECT_EQ(body({h, none}),
              "portwarden scan report for 198.18.1.10\n"
              "Host is up (0.00012s latency).\n"
              "Not shown: 2 closed tcp ports (conn-refused), 1 filtered tcp port (no-response)\n"
              "PORT   STATE SERVICE\n"
              "22/tcp open  ssh\n"
              "\n");
}

TEST_F(OutputText, DownHostGetsNmapsNote) {
    const HostResult h = down_host("198.18.1.11");
    summary_.hosts_up = 0;
    summary_.elapsed = 3020ms;
    EXPECT_EQ(render({h}),
              "Starting portwarden 0.1.0 at 2026-11-22 10:00 UTC\n"
              "Note: Host seems down. If it is really up, but blocking our ping probes, try -Pn\n"
              "portwarden done: 1 IP address (0 hosts up) scanned in 3.02 seconds\n");
}

TEST_F(OutputText, DownHostReportedWithVerbosity) {
    run_.verbosity = 1;
    run_.show_reason = true;
    const HostResult h = down_host("198.18.1.11");
    summary_.hosts_up = 0;
    EXPECT_EQ(body({h}), "portwarden scan report for 198.18.1.11 [host down, received no-response]\n"
                         "Note: Host seems down. If it is really up, but blocking our ping probes, try -Pn\n");
}

TEST_F(OutputText, InterruptedRunMarksPartialResults) {
    HostResult done = up_host("198.18.1.10");
    done.ports = {port(22, PortState::open, Reason::syn_ack), port(80, PortState::closed, Reason::conn_refused),
                  port(8000, PortState::closed, Reason::conn_refused)};
    HostResult partial = up_host("198.18.1.12");
    partial.complete = false;
    partial.ports = {port(22, PortState::open, Reason::syn_ack), port(80, PortState::open, Reason::syn_ack)};
    summary_.interrupted = true;
    summary_.hosts_total = 256;
    summary_.hosts_done = 2;
    summary_.hosts_up = 2;
    summary_.elapsed = 1500ms;
    const std::string out = render({done, partial});
    EXPECT_NE(out.find("portwarden scan report for 198.18.1.12\n"
                       "Host is up (0.00012s latency).\n"
                       "Note: the scan of this host did not finish (2 of 3 ports have results); the results are "
                       "partial.\n\n"
                       "PORT   STATE SERVICE\n"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("\n\nScan interrupted: results above are partial\n"
                       "portwarden done: 2 IP addresses (2 hosts up) scanned in 1.50 seconds\n"),
              std::string::npos)
        << out;
    EXPECT_EQ(out.find("Host seems down"), std::string::npos);
}

TEST_F(OutputText, NormalFileFlavourUsesNmapsCommentLines) {
    HostResult h = up_host("fd00::10");
    h.ports.push_back(port(22, PortState::open, Reason::syn_ack));
    EXPECT_EQ(render({h}, true),
              "# portwarden 0.1.0 scan initiated Sun Nov 22 10:00:00 2026 as: portwarden -sT --reason 198.18.1.10\n"
              "portwarden scan report for fd00::10\n"
              "Host is up (0.00012s latency).\n"
              "\n"
              "PORT   STATE SERVICE\n"
              "22/tcp open  ssh\n"
              "\n"
              "# portwarden done at Sun Nov 22 10:00:01 2026 -- 1 IP address (1 host up) scanned in 0.45 seconds\n");
}

// The path of nmap's own run against the test range: two routers, then the host; and what
// nmap prints for it after the host's other lines, under `header`.
std::string nmap_route_lines(std::string_view header) {
    return fmt::format("Network Distance: 3 hops\n"
                       "\n"
                       "{}\n"
                       "HOP RTT     ADDRESS\n"
                       "1   0.01 ms 198.18.0.1\n"
                       "2   0.01 ms 198.18.7.2\n"
                       "3   0.01 ms 198.18.5.10\n"
                       "\n",
                       header);
}

void add_trace(HostResult& h, std::string_view proto, std::uint16_t port) {
    h.trace_proto = proto;
    h.trace_port = port;
    h.trace = {{1, Address::parse("198.18.0.1"), 10}, {2, Address::parse("198.18.7.2"), 12},
               {3, h.address, 8}};
}

class OutputTextPingOnly : public OutputText {
protected:
    void SetUp() override {
        OutputText::SetUp();
        run_.ping_only = true;
        run_.ports = {};
        summary_.hosts_total = 16;
        summary_.hosts_done = 16;
        summary_.hosts_up = 2;
        summary_.elapsed = 1470ms;
    }

    static HostResult pinged(std::string_view address, Reason reason, std::uint32_t srtt_us) {
        HostResult h = up_host(address);
        h.reason = reason;
        h.reason_ttl = 62;
        h.srtt_us = srtt_us;
        return h;
    }
};

TEST_F(OutputTextPingOnly, ReasonIsExactlyNmapSnLayout) {
    run_.show_reason = true;
    EXPECT_EQ(render({pinged("198.18.5.1", Reason::echo_reply, 74), pinged("198.18.5.2", Reason::reset, 19)}),
              "Starting portwarden 0.1.0 at 2026-11-22 10:00 UTC\n"
              "portwarden scan report for 198.18.5.1\n"
              "Host is up, received echo-reply ttl 62 (0.000074s latency).\n"
              "portwarden scan report for 198.18.5.2\n"
              "Host is up, received reset ttl 62 (0.000019s latency).\n"
              "portwarden done: 16 IP addresses (2 hosts up) scanned in 1.47 seconds\n");
}

TEST_F(OutputTextPingOnly, WithoutReasonAndInTheFileFlavour) {
    run_.args = "portwarden discover 198.18.5.0/28";
    EXPECT_EQ(render({pinged("198.18.5.1", Reason::echo_reply, 74)}, true),
              "# portwarden 0.1.0 scan initiated Sun Nov 22 10:00:00 2026 as: portwarden discover 198.18.5.0/28\n"
              "portwarden scan report for 198.18.5.1\n"
              "Host is up (0.000074s latency).\n"
              "# portwarden done at Sun Nov 22 10:00:01 2026 -- 16 IP addresses (2 hosts up) scanned in 1.47 "
              "seconds\n");
}

TEST_F(OutputTextPingOnly, NoPortLinesDownHostsWithVerbosityAndOpenHidesNoUpHost) {
    run_.show_reason = true;
    run_.verbosity = 1;
    HostResult up = pinged("198.18.5.1", Reason::echo_reply, 74);
    up.ports.push_back(port(22, PortState::closed, Reason::conn_refused));  // never shown with -sn
    const HostResult down = down_host("198.18.5.0");
    EXPECT_EQ(body({down, up}),
              "portwarden scan report for 198.18.5.0 [host down, received no-response]\n"
              "portwarden scan report for 198.18.5.1\n"
              "Host is up, received echo-reply ttl 62 (0.000074s latency).\n");
    run_.open_only = true;  // nmap -sn --open: up hosts still, down hosts not even with -v
    EXPECT_EQ(body({down, up}),
              "portwarden scan report for 198.18.5.1\n"
              "Host is up, received echo-reply ttl 62 (0.000074s latency).\n");
}

TEST_F(OutputTextPingOnly, DistanceAndIcmpTraceAsNmapSnTraceroute) {
    HostResult h = pinged("198.18.5.10", Reason::echo_reply, 36);
    h.hops = 2;
    add_trace(h, "icmp", 0);
    EXPECT_EQ(body({h}),
              "portwarden scan report for 198.18.5.10\n"
              "Host is up (0.000036s latency).\n" +
                  nmap_route_lines("TRACEROUTE (using proto 1/icmp)"));
}

TEST_F(OutputText, DistanceAndTraceFollowThePortTable) {
    HostResult h = up_host("198.18.5.10");
    h.srtt_us = 30;
    h.ports = {port(22, PortState::closed, Reason::reset), port(80, PortState::closed, Reason::reset),
               port(8000, PortState::open, Reason::syn_ack)};
    h.hops = 2;
    add_trace(h, "tcp", 80);
    EXPECT_EQ(body({h}),
              "portwarden scan report for 198.18.5.10\n"
              "Host is up (0.000030s latency).\n"
              "\n"
              "PORT     STATE  SERVICE\n"
              "22/tcp   closed ssh\n"
              "80/tcp   closed http\n"
              "8000/tcp open   http-alt\n" +
                  nmap_route_lines("TRACEROUTE (using port 80/tcp)"));
}

TEST_F(OutputText, DirectlyConnectedHostIsOneHopAndAPlainTraceroute) {
    HostResult h = up_host("198.18.6.1");
    h.ports = {port(22, PortState::open, Reason::syn_ack)};
    h.hops = 0;
    h.trace = {{1, h.address, 30}};
    EXPECT_EQ(body({h}),
              "portwarden scan report for 198.18.6.1\n"
              "Host is up (0.00012s latency).\n"
              "\n"
              "PORT   STATE SERVICE\n"
              "22/tcp open  ssh\n"
              "Network Distance: 1 hop\n"
              "\n"
              "TRACEROUTE\n"
              "HOP RTT     ADDRESS\n"
              "1   0.03 ms 198.18.6.1\n"
              "\n");
}

TEST_F(OutputText, SilentHopsAreConsolidatedAsNmapDoes) {
    HostResult h = up_host("fd00::10");  // no port results: the trace follows "Host is up"
    h.trace_proto = "icmp";
    h.trace = {{1, Address::parse("fd00::1"), 250}, {2, std::nullopt, 0}, {3, std::nullopt, 0},
               {4, std::nullopt, 0}, {5, Address::parse("fd00:5::1"), 12340}, {6, std::nullopt, 0},
               {7, h.address, 13000}};
    EXPECT_EQ(body({h}),
              "portwarden scan report for fd00::10\n"
              "Host is up (0.00012s latency).\n"
              "\n"
              "TRACEROUTE (using proto 58/ipv6-icmp)\n"
              "HOP RTT      ADDRESS\n"
              "1   0.25 ms  fd00::1\n"
              "2   ... 4\n"
              "5   12.34 ms fd00:5::1\n"
              "6   ...\n"
              "7   13.00 ms fd00::10\n"
              "\n");
}

TEST(OutputFormat, SignificantDigitsAsNmap) {
    EXPECT_EQ(sig_digits(0.00029, 2), "0.00029");
    EXPECT_EQ(sig_digits(0.000092, 2), "0.000092");
    EXPECT_EQ(sig_digits(0.000123456, 2), "0.00012");
    EXPECT_EQ(sig_digits(0.0125, 2), "0.013");
    EXPECT_EQ(sig_digits(1.5, 2), "1.5");
    EXPECT_EQ(sig_digits(12.345, 2), "12");
    EXPECT_EQ(sig_digits(0.0, 2), "0.00");
}

TEST(OutputFormat, RangeListCompressesRuns) {
    const std::vector<std::uint16_t> ports{1, 2, 3, 5, 7, 8, 65535};
    EXPECT_EQ(range_list(ports), "1-3,5,7-8,65535");
    EXPECT_EQ(range_list({}), "");
}

TEST(OutputFormat, XmlEscapeKeepsUtf8AndNeutralisesTheRest) {
    EXPECT_EQ(xml_escape("a<b>&\"'--c"), "a&lt;b&gt;&amp;&quot;&apos;-&#45;c");
    EXPECT_EQ(xml_escape("caf\xC3\xA9"), "caf\xC3\xA9");
    EXPECT_EQ(xml_escape("x\x01y\xFFz"), "x\\x01y\\xFFz");
    EXPECT_EQ(xml_escape("a\tb"), "a&#x9;b");
}

}  // namespace
}  // namespace portwarden::output

namespace portwarden::output {
namespace {

TEST(OutputNames, ControlCharactersInNamesAreEscapedAsInXml) {
    HostResult h;
    h.address = *Address::parse("127.0.0.1");
    h.hostname = "evil\x1b]0;pwned\x07\r\nHost: 198.18.1.1\xff\xc3\xa9";  // from /etc/hosts, say
    EXPECT_EQ(name_ip(h), "evil\\x1B]0;pwned\\x07\\x0D\\x0AHost: 198.18.1.1\\xFF\xc3\xa9 (127.0.0.1)");
    h.hostname.clear();
    h.ptr_name = "ptr\tname";
    EXPECT_EQ(name_ip(h), "ptr\\x09name (127.0.0.1)");
}

}  // namespace
}  // namespace portwarden::output

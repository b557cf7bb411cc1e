// Normal (text) output: byte-exact against nmap 7.93's layout.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

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
        run_.services = &services_;
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
    HostResult h;
    h.address = *Address::parse("198.18.1.11");
    h.state = HostState::down;
    h.reason = Reason::no_response;
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
    HostResult h;
    h.address = *Address::parse("198.18.1.11");
    h.state = HostState::down;
    h.reason = Reason::no_response;
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

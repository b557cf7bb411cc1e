// Grepable output (-oG): byte-exact against nmap 7.93's format.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "output/writer.hpp"

namespace portwarden::output {
namespace {

using namespace std::chrono_literals;

const auto t0 = std::chrono::system_clock::time_point{std::chrono::sys_days{std::chrono::year{2026} / 11 / 22} + 10h};

PortResult port(std::uint16_t number, PortState state, Reason reason) {
    PortResult p;
    p.port = number;
    p.state = state;
    p.reason = reason;
    return p;
}

class OutputGrepable : public ::testing::Test {
protected:
    void SetUp() override {
        setenv("TZ", "UTC", 1);
        tzset();
        run_.args = "portwarden -sT -oG - 198.18.1.10";
        run_.version = "0.1.0";
        run_.start_time = t0;
        run_.services = [this] { return &services_; };
        run_.ports.tcp = {22, 80, 443};
        summary_.hosts_total = 1;
        summary_.hosts_done = 1;
        summary_.hosts_up = 1;
        summary_.elapsed = 450ms;
        summary_.end_time = t0 + 1s;
    }

    static HostResult up_host(std::string_view address = "198.18.1.10") {
        HostResult h;
        h.address = *Address::parse(address);
        h.hostname = "web";  // a name the user gave; nmap's parentheses hold reverse DNS only
        h.state = HostState::up;
        h.reason = Reason::syn_ack;
        h.srtt_us = 120;
        return h;
    }

    std::string render(const std::vector<HostResult>& hosts) const {
        char* buf = nullptr;
        std::size_t size = 0;
        std::FILE* f = open_memstream(&buf, &size);
        auto writer = make_grepable_writer(f);
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

    ServiceNames services_ = ServiceNames::parse("ssh\t22/tcp\nhttp\t80/tcp\nhttps\t443/tcp\nodd/name\t444/tcp\n");
    RunInfo run_;
    ScanSummary summary_;
};

TEST_F(OutputGrepable, SmallHostIsExactlyNmapsFormat) {
    HostResult h = up_host();
    h.ports = {port(22, PortState::open, Reason::syn_ack), port(80, PortState::closed, Reason::conn_refused),
               port(443, PortState::filtered, Reason::no_response),
               port(1234, PortState::closed, Reason::conn_refused)};
    EXPECT_EQ(render({h}),
              "# portwarden 0.1.0 scan initiated Sun Nov 22 10:00:00 2026 as: portwarden -sT -oG - 198.18.1.10\n"
              "Host: 198.18.1.10 ()\tStatus: Up\n"
              "Host: 198.18.1.10 ()\tPorts: 22/open/tcp//ssh///, 80/closed/tcp//http///, "
              "443/filtered/tcp//https///, 1234/closed/tcp/////\n"
              "# portwarden done at Sun Nov 22 10:00:01 2026 -- 1 IP address (1 host up) scanned in 0.45 seconds\n");
}

TEST_F(OutputGrepable, OneCollapsedStateIsTheIgnoredState) {
    HostResult h = up_host();
    for (std::uint16_t p = 1; p <= 100; ++p) {
        h.ports.push_back(p == 22 || p == 80 ? port(p, PortState::open, Reason::syn_ack)
                                             : port(p, PortState::closed, Reason::conn_refused));
    }
    const std::string out = render({h});
    EXPECT_NE(out.find("Host: 198.18.1.10 ()\tPorts: 22/open/tcp//ssh///, 80/open/tcp//http///"
                       "\tIgnored State: closed (98)\n"),
              std::string::npos)
        << out;
}

TEST_F(OutputGrepable, TwoCollapsedStatesHaveNoIgnoredStateField) {
    HostResult h = up_host();
    for (std::uint16_t p = 1; p <= 60; ++p) {
        h.ports.push_back(p <= 30 ? port(p, PortState::closed, Reason::conn_refused)
                                  : port(p, PortState::filtered, Reason::no_response));
    }
    h.ports.push_back(port(444, PortState::open, Reason::syn_ack));
    const std::string out = render({h});
    EXPECT_NE(out.find("Host: 198.18.1.10 ()\tPorts: 444/open/tcp//odd|name///\n"), std::string::npos) << out;
}

TEST_F(OutputGrepable, EveryPortCollapsed) {
    HostResult h = up_host();
    for (std::uint16_t p = 1; p <= 39; ++p) {
        h.ports.push_back(port(p, PortState::closed, Reason::conn_refused));
    }
    const std::string out = render({h});
    EXPECT_NE(out.find("Host: 198.18.1.10 ()\tStatus: Up\n"
                       "Host: 198.18.1.10 ()\tPorts: \tIgnored State: closed (39)\n"),
              std::string::npos)
        << out;
}

TEST_F(OutputGrepable, DownHostsOnlyWithVerbosity) {
    HostResult h;
    h.address = *Address::parse("198.18.1.11");
    h.state = HostState::down;
    h.reason = Reason::no_response;
    summary_.hosts_up = 0;
    EXPECT_EQ(render({h}).find("Host:"), std::string::npos);
    run_.verbosity = 1;
    const std::string out = render({h});
    EXPECT_NE(out.find("\n# Ports scanned: TCP(3;22,80,443) UDP(0;) SCTP(0;) PROTOCOLS(0;)\n"
                       "Host: 198.18.1.11 ()\tStatus: Down\n"
                       "# portwarden done at Sun Nov 22 10:00:01 2026 -- "
                       "1 IP address (0 hosts up) scanned in 0.45 seconds\n"),
              std::string::npos)
        << out;
}

TEST_F(OutputGrepable, InterruptedRunAndIncompleteHost) {
    HostResult h = up_host();
    h.complete = false;
    h.ports = {port(22, PortState::open, Reason::syn_ack)};
    summary_.interrupted = true;
    summary_.hosts_total = 10;
    summary_.hosts_done = 1;
    const std::string out = render({h});
    EXPECT_NE(out.find("Host: 198.18.1.10 ()\tPorts: 22/open/tcp//ssh///\n"
                       "# Host 198.18.1.10: the scan did not finish, results are partial\n"
                       "# Scan interrupted: results above are partial\n"
                       "# portwarden done at Sun Nov 22 10:00:01 2026 -- "
                       "1 IP address (1 host up) scanned in 0.45 seconds\n"),
              std::string::npos)
        << out;
}

TEST_F(OutputGrepable, PingOnlyIsStatusLinesAloneAsNmapSn) {
    run_.args = "portwarden discover -v 198.18.5.0/30";
    run_.ping_only = true;
    run_.verbosity = 1;
    summary_.hosts_total = 4;
    summary_.hosts_done = 4;
    HostResult up = up_host();
    up.ports = {port(22, PortState::open, Reason::syn_ack)};  // never written with -sn
    HostResult down = up_host("198.18.5.0");
    down.state = HostState::down;
    down.reason = Reason::no_response;
    EXPECT_EQ(render({down, up}),
              "# portwarden 0.1.0 scan initiated Sun Nov 22 10:00:00 2026 as: portwarden discover -v 198.18.5.0/30\n"
              "# Ports scanned: TCP(0;) UDP(0;) SCTP(0;) PROTOCOLS(0;)\n"
              "Host: 198.18.5.0 ()\tStatus: Down\n"
              "Host: 198.18.1.10 ()\tStatus: Up\n"
              "# portwarden done at Sun Nov 22 10:00:01 2026 -- 4 IP addresses (1 host up) scanned in 0.45 seconds\n");
}

TEST_F(OutputGrepable, DistanceAndTraceAreNotWrittenAsInNmap) {
    HostResult plain = up_host();
    plain.ports = {port(22, PortState::open, Reason::syn_ack)};
    HostResult traced = plain;
    traced.hops = 2;
    traced.trace_proto = "tcp";
    traced.trace_port = 22;
    traced.trace = {{1, Address::parse("198.18.0.1"), 10}, {2, std::nullopt, 0}, {3, traced.address, 30}};
    EXPECT_EQ(render({traced}), render({plain}));
    run_.ping_only = true;
    EXPECT_EQ(render({traced}), render({plain}));
}

TEST_F(OutputGrepable, ReverseNameWithControlCharactersStaysOnOneLine) {
    HostResult h = up_host();
    h.ptr_name = "a\tb\nHost: 198.18.9.9 ()\tStatus: Up";
    const std::string out = render({h});
    EXPECT_NE(out.find("Host: 198.18.1.10 (a\\x09b\\x0AHost: 198.18.9.9 ()\\x09Status: Up)\tStatus: Up\n"),
              std::string::npos)
        << out;
    EXPECT_EQ(out.find("Host: 198.18.9.9"), out.find("a\\x09b\\x0AHost: 198.18.9.9") + 10);
}

}  // namespace
}  // namespace portwarden::output

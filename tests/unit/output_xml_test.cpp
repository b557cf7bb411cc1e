// Nmap XML output: parsed back with pugixml, validated against nmap.dtd with xmllint and
// compared with ndiff (both installed by the setup script; missing tools fail the tests).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <pugixml.hpp>

#include "output/writer.hpp"

namespace portwarden::output {
namespace {

using namespace std::chrono_literals;

const auto t0 = std::chrono::system_clock::time_point{std::chrono::sys_days{std::chrono::year{2026} / 11 / 22} + 10h};
constexpr const char* nmap_dtd = "/usr/share/nmap/nmap.dtd";

PortResult port(std::uint16_t number, PortState state, Reason reason, Proto proto = Proto::tcp) {
    PortResult p;
    p.proto = proto;
    p.port = number;
    p.state = state;
    p.reason = reason;
    return p;
}

int exit_code(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : -1; }

bool have_command(const std::string& name) {
    return exit_code(std::system(("command -v " + name + " >/dev/null 2>&1").c_str())) == 0;
}

class OutputXml : public ::testing::Test {
protected:
    void SetUp() override {
        setenv("TZ", "UTC", 1);
        tzset();
        dir_ = std::filesystem::temp_directory_path() /
               ("pw_output_xml_" + std::to_string(::getpid()) + "_" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::create_directories(dir_);
        run_.args = "portwarden scan -sT --reason -p 1-100,8000 --open=no \"a&b\" 198.18.1.0/30";
        run_.version = "0.1.0";
        run_.start_time = t0;
        run_.services = [this] { return &services_; };
        for (std::uint16_t p = 1; p <= 100; ++p) {
            run_.ports.tcp.push_back(p);
        }
        run_.ports.tcp.push_back(8000);
        summary_.hosts_total = 4;
        summary_.hosts_done = 4;
        summary_.hosts_up = 2;
        summary_.elapsed = 2340ms;
        summary_.start_time = t0;
        summary_.end_time = t0 + 3s;
    }

    void TearDown() override { std::filesystem::remove_all(dir_); }

    // 198.18.1.1: 22 open, 8000 open, 1-21,23-100 closed (99 ports, collapsed).
    HostResult web() const {
        HostResult h;
        h.address = *Address::parse("198.18.1.1");
        h.hostname = "web<&>\"'--x";
        h.state = HostState::up;
        h.reason = Reason::syn_ack;
        h.srtt_us = 291;
        h.start_time = t0;
        h.end_time = t0 + 2s;
        for (std::uint16_t p = 1; p <= 100; ++p) {
            h.ports.push_back(p == 22 ? port(p, PortState::open, Reason::syn_ack)
                                      : port(p, PortState::closed, Reason::conn_refused));
        }
        h.ports.push_back(port(8000, PortState::open, Reason::syn_ack));
        return h;
    }

    // fd00::2: a few ports answered, the rest timed out; port 25 was reset by a middlebox.
    HostResult quiet() const {
        HostResult h;
        h.address = *Address::parse("fd00::2");
        h.state = HostState::up;
        h.reason = Reason::conn_refused;
        h.start_time = t0;
        h.end_time = t0 + 3s;
        for (std::uint16_t p = 1; p <= 100; ++p) {
            if (p == 80) {
                h.ports.push_back(port(p, PortState::closed, Reason::conn_refused));
            } else if (p == 25) {
                h.ports.push_back(port(p, PortState::closed, Reason::reset));
                h.ports.back().reason_ip = Address::parse("fd00::1");
                h.ports.back().reason_ttl = 63;
            } else {
                h.ports.push_back(port(p, PortState::filtered, Reason::no_response));
            }
        }
        h.ports.push_back(port(8000, PortState::closed, Reason::conn_refused));
        return h;
    }

    HostResult down() const {
        HostResult h;
        h.address = *Address::parse("198.18.1.3");
        h.state = HostState::down;
        h.reason = Reason::no_response;
        return h;
    }

    std::string render(const std::vector<HostResult>& hosts) const {
        char* buf = nullptr;
        std::size_t size = 0;
        std::FILE* f = open_memstream(&buf, &size);
        auto writer = make_xml_writer(f);
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

    std::string write_file(const std::string& name, const std::string& text) const {
        const auto path = (dir_ / name).string();
        std::ofstream(path) << text;
        return path;
    }

    static std::string read_file(const std::string& path) {
        std::ifstream in(path);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }

    struct Validation {
        int exit_code = -1;
        std::string messages;
    };

    Validation xmllint(const std::string& path) const {
        const std::string log_path = (dir_ / "xmllint.log").string();
        const int rc = exit_code(std::system(
            ("xmllint --noout --dtdvalid " + std::string(nmap_dtd) + " " + path + " > " + log_path + " 2>&1").c_str()));
        return {rc, read_file(log_path)};
    }

    ServiceNames services_ =
        ServiceNames::parse("tcpmux\t1/tcp\nssh\t22/tcp\nsmtp\t25/tcp\nhttp\t80/tcp\nhttp-alt\t8000/tcp\n");
    RunInfo run_;
    ScanSummary summary_;
    std::filesystem::path dir_;
};

TEST_F(OutputXml, ParsesBackWithNmapsStructure) {
    const std::string xml = render({web(), quiet()});
    pugi::xml_document doc;
    ASSERT_TRUE(doc.load_string(xml.c_str())) << xml;
    const auto run = doc.child("nmaprun");
    EXPECT_STREQ(run.attribute("scanner").value(), "nmap");
    EXPECT_STREQ(run.attribute("version").value(), "0.1.0");
    EXPECT_EQ(std::string(run.attribute("args").value()), run_.args);
    EXPECT_EQ(run.attribute("start").as_llong(), std::chrono::system_clock::to_time_t(t0));
    EXPECT_STREQ(run.attribute("startstr").value(), "Sun Nov 22 10:00:00 2026");
    EXPECT_STREQ(run.child("scaninfo").attribute("type").value(), "connect");
    EXPECT_STREQ(run.child("scaninfo").attribute("protocol").value(), "tcp");
    EXPECT_EQ(run.child("scaninfo").attribute("numservices").as_int(), 101);
    EXPECT_STREQ(run.child("scaninfo").attribute("services").value(), "1-100,8000");

    std::vector<pugi::xml_node> hosts;
    for (auto h : run.children("host")) {
        hosts.push_back(h);
    }
    ASSERT_EQ(hosts.size(), 2U);

    const auto h1 = hosts[0];
    EXPECT_STREQ(h1.child("status").attribute("state").value(), "up");
    EXPECT_STREQ(h1.child("status").attribute("reason").value(), "syn-ack");
    EXPECT_STREQ(h1.child("address").attribute("addr").value(), "198.18.1.1");
    EXPECT_STREQ(h1.child("address").attribute("addrtype").value(), "ipv4");
    EXPECT_STREQ(h1.child("hostnames").child("hostname").attribute("name").value(), "web<&>\"'--x");
    EXPECT_STREQ(h1.child("hostnames").child("hostname").attribute("type").value(), "user");
    const auto extra = h1.child("ports").child("extraports");
    EXPECT_STREQ(extra.attribute("state").value(), "closed");
    EXPECT_EQ(extra.attribute("count").as_int(), 99);
    EXPECT_STREQ(extra.child("extrareasons").attribute("reason").value(), "conn-refused");
    EXPECT_EQ(extra.child("extrareasons").attribute("count").as_int(), 99);
    EXPECT_STREQ(extra.child("extrareasons").attribute("ports").value(), "1-21,23-100");
    int open_ports = 0;
    for (auto p : h1.child("ports").children("port")) {
        ++open_ports;
        EXPECT_STREQ(p.child("state").attribute("state").value(), "open");
        EXPECT_STREQ(p.child("state").attribute("reason").value(), "syn-ack");
        EXPECT_STREQ(p.child("service").attribute("method").value(), "table");
        EXPECT_STREQ(p.child("service").attribute("conf").value(), "3");
    }
    EXPECT_EQ(open_ports, 2);
    const auto p8000_web = h1.child("ports").find_child_by_attribute("port", "portid", "8000");
    EXPECT_STREQ(p8000_web.child("service").attribute("name").value(), "http-alt");
    EXPECT_EQ(h1.child("times").attribute("srtt").as_int(), 291);

    const auto h2 = hosts[1];
    EXPECT_STREQ(h2.child("address").attribute("addrtype").value(), "ipv6");
    EXPECT_EQ(h2.child("ports").child("extraports").attribute("count").as_int(), 98);
    EXPECT_STREQ(h2.child("ports").child("extraports").attribute("state").value(), "filtered");
    EXPECT_STREQ(h2.child("ports").child("extraports").child("extrareasons").attribute("ports").value(),
                 "1-24,26-79,81-100");
    const auto p25 = h2.child("ports").find_child_by_attribute("port", "portid", "25");
    EXPECT_STREQ(p25.child("state").attribute("reason").value(), "reset");
    EXPECT_STREQ(p25.child("state").attribute("reason_ip").value(), "fd00::1");
    EXPECT_EQ(p25.child("state").attribute("reason_ttl").as_int(), 63);
    const auto p8000 = h2.child("ports").find_child_by_attribute("port", "portid", "8000");
    EXPECT_STREQ(p8000.child("state").attribute("state").value(), "closed");
    EXPECT_FALSE(h2.child("times"));

    const auto finished = run.child("runstats").child("finished");
    EXPECT_STREQ(finished.attribute("exit").value(), "success");
    EXPECT_STREQ(finished.attribute("elapsed").value(), "2.34");
    EXPECT_STREQ(finished.attribute("summary").value(),
                 "portwarden done at Sun Nov 22 10:00:03 2026; 4 IP addresses (2 hosts up) scanned in 2.34 seconds");
    EXPECT_EQ(run.child("runstats").child("hosts").attribute("up").as_int(), 2);
    EXPECT_EQ(run.child("runstats").child("hosts").attribute("down").as_int(), 2);
    EXPECT_EQ(run.child("runstats").child("hosts").attribute("total").as_int(), 4);
}

TEST_F(OutputXml, PortWithoutServiceNameHasNoServiceElement) {
    HostResult h = web();
    h.ports = {port(22, PortState::open, Reason::syn_ack), port(36, PortState::closed, Reason::conn_refused)};
    const std::string xml = render({h});
    EXPECT_NE(xml.find("<port protocol=\"tcp\" portid=\"36\"><state state=\"closed\" reason=\"conn-refused\" "
                       "reason_ttl=\"0\"/></port>\n"),
              std::string::npos)
        << xml;
    EXPECT_NE(xml.find("<ports><port protocol=\"tcp\" portid=\"22\"><state state=\"open\" reason=\"syn-ack\" "
                       "reason_ttl=\"0\"/><service name=\"ssh\" method=\"table\" conf=\"3\"/></port>\n"),
              std::string::npos)
        << xml;
}

TEST_F(OutputXml, ValidatesAgainstNmapDtd) {
    ASSERT_TRUE(have_command("xmllint")) << "xmllint is missing (libxml2-utils); the setup script installs it";
    ASSERT_TRUE(std::filesystem::exists(nmap_dtd)) << nmap_dtd << " is missing (nmap package)";
    run_.verbosity = 1;  // down hosts are written too
    const auto path = write_file("scan.xml", render({web(), quiet(), down()}));
    const Validation v = xmllint(path);
    EXPECT_EQ(v.exit_code, 0) << v.messages << read_file(path);
}

// -sS -sU: two <scaninfo> (syn/tcp, then udp/udp) and the host's ports of both protocols, TCP
// first, as nmap writes them; valid against nmap.dtd.
TEST_F(OutputXml, SynAndUdpRunHasTwoScaninfosAndBothProtocolsPorts) {
    ASSERT_TRUE(have_command("xmllint")) << "xmllint is missing (libxml2-utils); the setup script installs it";
    run_.technique = Technique::syn;
    run_.with_udp = true;
    run_.ports.tcp = {22, 80};
    run_.ports.udp = {53, 161};
    HostResult h = web();
    h.ports = {port(22, PortState::open, Reason::syn_ack), port(80, PortState::closed, Reason::reset),
               port(53, PortState::open, Reason::udp_response, Proto::udp),
               port(161, PortState::open_filtered, Reason::no_response, Proto::udp)};
    const std::string xml = render({h});
    pugi::xml_document doc;
    ASSERT_TRUE(doc.load_string(xml.c_str())) << xml;
    std::vector<std::string> infos;
    for (auto si : doc.child("nmaprun").children("scaninfo")) {
        infos.push_back(fmt::format("{}/{}/{}/{}", si.attribute("type").value(), si.attribute("protocol").value(),
                                    si.attribute("numservices").value(), si.attribute("services").value()));
    }
    EXPECT_EQ(infos, (std::vector<std::string>{"syn/tcp/2/22,80", "udp/udp/2/53,161"}));
    std::vector<std::string> ports;
    for (auto p : doc.child("nmaprun").child("host").child("ports").children("port")) {
        ports.push_back(fmt::format("{}/{} {}", p.attribute("portid").value(), p.attribute("protocol").value(),
                                    p.child("state").attribute("state").value()));
    }
    EXPECT_EQ(ports, (std::vector<std::string>{"22/tcp open", "80/tcp closed", "53/udp open", "161/udp open|filtered"}));
    const Validation v = xmllint(write_file("mixed.xml", xml));
    EXPECT_EQ(v.exit_code, 0) << v.messages << xml;
}

TEST_F(OutputXml, InterruptedRunIsStillCompleteAndValid) {
    ASSERT_TRUE(have_command("xmllint")) << "xmllint is missing (libxml2-utils); the setup script installs it";
    HostResult partial = quiet();
    partial.complete = false;
    partial.ports.resize(10);
    summary_.interrupted = true;
    summary_.hosts_done = 2;
    const std::string xml = render({web(), partial});
    const Validation v = xmllint(write_file("partial.xml", xml));
    EXPECT_EQ(v.exit_code, 0) << v.messages << xml;

    pugi::xml_document doc;
    ASSERT_TRUE(doc.load_string(xml.c_str()));
    const auto finished = doc.child("nmaprun").child("runstats").child("finished");
    EXPECT_STREQ(finished.attribute("exit").value(), "error");
    EXPECT_STREQ(finished.attribute("errormsg").value(), "Interrupted");
    EXPECT_EQ(doc.child("nmaprun").child("runstats").child("hosts").attribute("total").as_int(), 2);
    const auto host = doc.child("nmaprun").find_child_by_attribute("host", "comment",
        "incomplete: the scan stopped before every port of this host was settled");
    EXPECT_TRUE(host);
}

TEST_F(OutputXml, DownHostOnlyWithVerbosityAsNmap) {
    EXPECT_EQ(render({down()}).find("<host>"), std::string::npos);
    run_.verbosity = 1;
    EXPECT_NE(render({down()}).find("<host><status state=\"down\" reason=\"no-response\" reason_ttl=\"0\"/>\n"
                                    "<address addr=\"198.18.1.3\" addrtype=\"ipv4\"/>\n</host>\n"),
              std::string::npos);
}

TEST_F(OutputXml, OpenOnlyCollapsesEverythingElse) {
    run_.open_only = true;
    HostResult h = quiet();
    h.ports.push_back(port(9000, PortState::open, Reason::syn_ack));
    const std::string xml = render({h, quiet()});
    pugi::xml_document doc;
    ASSERT_TRUE(doc.load_string(xml.c_str()));
    const auto host = doc.child("nmaprun").child("host");
    EXPECT_FALSE(host.next_sibling("host"));  // the second host has no open port
    int ports = 0;
    for (auto p : host.child("ports").children("port")) {
        ++ports;
        EXPECT_STREQ(p.attribute("portid").value(), "9000");
    }
    EXPECT_EQ(ports, 1);
    int extraports = 0;
    for (auto e : host.child("ports").children("extraports")) {
        (void)e;
        ++extraports;
    }
    EXPECT_EQ(extraports, 2);
}

// A -sn scan: the shape of `nmap -sn --reason -v -oX`.
class OutputXmlPingOnly : public OutputXml {
protected:
    void SetUp() override {
        OutputXml::SetUp();
        run_.args = "portwarden discover --reason -v 198.18.5.0/30";
        run_.ping_only = true;
        run_.ports = {};
        run_.verbosity = 1;
    }

    static HostResult pinged(std::string_view address, Reason reason) {
        HostResult h;
        h.address = *Address::parse(address);
        h.state = HostState::up;
        h.reason = reason;
        h.reason_ttl = 62;
        h.srtt_us = 215;
        h.start_time = t0;
        h.end_time = t0 + 1s;
        return h;
    }
};

TEST_F(OutputXmlPingOnly, NoScaninfoAndHostsWithoutPortsAsNmapSn) {
    HostResult up = pinged("198.18.5.1", Reason::echo_reply);
    up.ports.push_back(port(22, PortState::open, Reason::syn_ack));  // never written with -sn
    const std::string xml = render({down(), up});
    EXPECT_EQ(xml.find("<scaninfo"), std::string::npos) << xml;
    EXPECT_EQ(xml.find("<ports"), std::string::npos) << xml;
    EXPECT_NE(xml.find(" xmloutputversion=\"1.05\">\n<verbose level=\"1\"/>\n<debugging level=\"0\"/>\n"
                       "<host><status state=\"down\" reason=\"no-response\" reason_ttl=\"0\"/>\n"
                       "<address addr=\"198.18.1.3\" addrtype=\"ipv4\"/>\n</host>\n"
                       "<host><status state=\"up\" reason=\"echo-reply\" reason_ttl=\"62\"/>\n"
                       "<address addr=\"198.18.5.1\" addrtype=\"ipv4\"/>\n<hostnames>\n</hostnames>\n"
                       "<times srtt=\"215\" rttvar=\"-1\" to=\"-1\"/>\n</host>\n<runstats>"),
              std::string::npos)
        << xml;
}

TEST_F(OutputXmlPingOnly, OpenDoesNotHideUpHosts) {
    run_.open_only = true;
    const std::string xml = render({down(), pinged("198.18.5.1", Reason::echo_reply)});
    EXPECT_EQ(xml.find("198.18.1.3"), std::string::npos) << xml;  // nmap -sn -v --open: no down hosts
    EXPECT_NE(xml.find("<address addr=\"198.18.5.1\""), std::string::npos) << xml;
}

TEST_F(OutputXmlPingOnly, ValidatesAgainstNmapDtd) {
    ASSERT_TRUE(have_command("xmllint")) << "xmllint is missing (libxml2-utils); the setup script installs it";
    ASSERT_TRUE(std::filesystem::exists(nmap_dtd)) << nmap_dtd << " is missing (nmap package)";
    HostResult traced = pinged("198.18.5.10", Reason::echo_reply);
    traced.hops = 2;
    traced.trace_proto = "icmp";
    traced.trace = {{1, Address::parse("198.18.0.1"), 10}, {2, std::nullopt, 0}, {3, traced.address, 80}};
    const auto path = write_file("sn.xml", render({down(), pinged("198.18.5.1", Reason::reset), traced}));
    const Validation v = xmllint(path);
    EXPECT_EQ(v.exit_code, 0) << v.messages << read_file(path);
}

// 198.18.5.10 two routers away, traced with TCP port 80 (nmap -sS --traceroute's output).
HostResult traced_host() {
    HostResult h;
    h.address = *Address::parse("198.18.5.10");
    h.state = HostState::up;
    h.reason = Reason::syn_ack;
    h.reason_ttl = 62;
    h.hops = 2;
    h.srtt_us = 29;
    h.start_time = t0;
    h.end_time = t0 + 1s;
    h.ports = {port(22, PortState::closed, Reason::reset), port(80, PortState::open, Reason::syn_ack)};
    h.trace_proto = "tcp";
    h.trace_port = 80;
    h.trace = {{1, Address::parse("198.18.0.1"), 10}, {2, Address::parse("198.18.7.2"), 20},
               {3, std::nullopt, 0}, {4, h.address, 1234}};
    return h;
}

TEST_F(OutputXml, DistanceAndTraceInNmapsPlaces) {
    const std::string xml = render({traced_host()});
    EXPECT_NE(xml.find("<service name=\"http\" method=\"table\" conf=\"3\"/></port>\n</ports>\n"
                       "<distance value=\"3\"/>\n"
                       "<trace port=\"80\" proto=\"tcp\">\n"
                       "<hop ttl=\"1\" ipaddr=\"198.18.0.1\" rtt=\"0.01\"/>\n"
                       "<hop ttl=\"2\" ipaddr=\"198.18.7.2\" rtt=\"0.02\"/>\n"
                       "<hop ttl=\"4\" ipaddr=\"198.18.5.10\" rtt=\"1.23\"/>\n"
                       "</trace>\n"
                       "<times srtt=\"29\" rttvar=\"-1\" to=\"-1\"/>\n</host>\n"),
              std::string::npos)
        << xml;
}

TEST_F(OutputXml, TraceAttributesFollowTheProbe) {
    HostResult icmp = traced_host();
    icmp.hops.reset();
    icmp.trace_proto = "icmp";
    HostResult direct = traced_host();
    direct.hops = 0;
    direct.trace_proto.clear();
    direct.trace = {{1, direct.address, 30}};
    HostResult icmp6 = quiet();
    icmp6.trace_proto = "icmp";
    icmp6.trace = {{1, icmp6.address, 30}};
    const std::string xml = render({icmp, direct, icmp6});
    EXPECT_NE(xml.find("</ports>\n<trace proto=\"icmp\">\n<hop ttl=\"1\""), std::string::npos) << xml;
    EXPECT_NE(xml.find("</ports>\n<trace proto=\"ipv6-icmp\">\n<hop ttl=\"1\" ipaddr=\"fd00::2\""),
              std::string::npos)
        << xml;
    EXPECT_NE(xml.find("</ports>\n<distance value=\"1\"/>\n<trace>\n"
                       "<hop ttl=\"1\" ipaddr=\"198.18.5.10\" rtt=\"0.03\"/>\n</trace>\n"),
              std::string::npos)
        << xml;
    EXPECT_EQ(xml.find("<distance value=\"3\""), std::string::npos) << xml;  // no hops, no distance
}

TEST_F(OutputXml, DistanceAndTraceValidateAgainstNmapDtd) {
    ASSERT_TRUE(have_command("xmllint")) << "xmllint is missing (libxml2-utils); the setup script installs it";
    ASSERT_TRUE(std::filesystem::exists(nmap_dtd)) << nmap_dtd << " is missing (nmap package)";
    HostResult v6 = quiet();
    v6.hops = 0;
    v6.trace_proto = "udp";
    v6.trace_port = 53;
    v6.trace = {{1, std::nullopt, 0}, {2, v6.address, 400}};
    const auto path = write_file("trace.xml", render({traced_host(), web(), v6}));
    const Validation v = xmllint(path);
    EXPECT_EQ(v.exit_code, 0) << v.messages << read_file(path);

    pugi::xml_document doc;
    ASSERT_TRUE(doc.load_file(path.c_str()));
    const auto host = doc.child("nmaprun").child("host");
    EXPECT_EQ(host.child("distance").attribute("value").as_int(), 3);
    EXPECT_EQ(host.child("trace").attribute("port").as_int(), 80);
}

class OutputNdiff : public OutputXml {};

TEST_F(OutputNdiff, ReportsNoDifferenceBetweenIdenticalScans) {
    ASSERT_TRUE(have_command("ndiff")) << "ndiff is missing; the setup script installs it";
    const auto a = write_file("a.xml", render({web(), quiet()}));
    const auto b = write_file("b.xml", render({web(), quiet()}));
    const auto out = (dir_ / "ndiff.out").string();
    EXPECT_EQ(exit_code(std::system(("ndiff " + a + " " + b + " > " + out + " 2>&1").c_str())), 0) << read_file(out);
}

TEST_F(OutputNdiff, ReportsExactlyTheChangedPort) {
    ASSERT_TRUE(have_command("ndiff")) << "ndiff is missing; the setup script installs it";
    HostResult changed = quiet();
    for (auto& p : changed.ports) {
        if (p.port == 80) {
            p.state = PortState::open;
            p.reason = Reason::syn_ack;
        }
    }
    const auto a = write_file("a.xml", render({web(), quiet()}));
    const auto b = write_file("b.xml", render({web(), changed}));
    const auto out = (dir_ / "ndiff.out").string();
    EXPECT_EQ(exit_code(std::system(("ndiff " + a + " " + b + " > " + out + " 2>&1").c_str())), 1);
    const std::string diff = read_file(out);
    EXPECT_NE(diff.find(" fd00::2:\n PORT   STATE  SERVICE VERSION\n-80/tcp closed http\n+80/tcp open   http\n"),
              std::string::npos)
        << diff;
    EXPECT_EQ(diff.find("198.18.1.1"), std::string::npos) << diff;  // the other host did not change
    int changed_lines = 0;
    std::istringstream lines(diff);
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind('+', 0) == 0 || line.rfind('-', 0) == 0) {
            ++changed_lines;
        }
    }
    EXPECT_EQ(changed_lines, 2) << diff;
}

}  // namespace
}  // namespace portwarden::output

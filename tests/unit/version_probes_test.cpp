// -sV's pure parts: the nmap-service-probes parser, the matcher and the template filling, on
// lines copied from nmap 7.93's /usr/share/nmap/nmap-service-probes.
#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "portwarden/version.hpp"
#include "version/matcher.hpp"
#include "version/probe_parser.hpp"
#include "version/prober.hpp"
#include "version/substitute.hpp"

namespace portwarden::version {
namespace {

// nmap-service-probes line 3525
constexpr std::string_view openssh_debian =
    R"X(match ssh m|^SSH-([\d.]+)-OpenSSH_([\w._-]+)[ -]{1,2}Debian[ -_]([^\r\n]+)\r?\n| p/OpenSSH/ v/$2 Debian $3/ i/protocol $1/ o/Linux/ cpe:/a:openbsd:openssh:$2/ cpe:/o:debian:debian_linux/ cpe:/o:linux:linux_kernel/a)X";
// line 10558
constexpr std::string_view simplehttp =
    R"X(match http m|^HTTP/1\.0 200 OK\r\nServer: SimpleHTTP/([\d.]+) Python/([\d.]+)\r\n| p/SimpleHTTPServer/ v/$1/ i/Python $2/ cpe:/a:python:python:$2/ cpe:/a:python:simplehttpserver:$1/)X";
// line 2033: $SUBST
constexpr std::string_view ea_origin =
    R"X(match lsx m|^<LSX>\n\t<Event sender=\"EALS\">\n\t\t<Challenge version=\"([\d,]+)\" key=\"[\da-f]{32}\" />\n\t</Event>\n</LSX>\n\0| p/EA Origin/ v/$SUBST(1,",",".")/ cpe:/a:ea:origin:$SUBST(1,",",".")/)X";
// line 12485: the 's' flag and bytes
constexpr std::string_view dnsmasq =
    R"X(match domain m|\x07version\x04bind\0\0\x10\0\x03\xc0\x0c\0\x10\0\x03.{7}dnsmasq-([-\w. +]+)$|s p/dnsmasq/ v/$1/ cpe:/a:thekelleys:dnsmasq:$1/)X";

ServiceInfo must_match(std::string_view line, std::string_view response) {
    auto rule = parse_match_line(line, 1);
    EXPECT_TRUE(rule) << (rule ? "" : rule.error().message);
    EXPECT_TRUE(rule->regex_error.empty()) << rule->regex_error;
    auto captures = rule->regex.match(response);
    EXPECT_TRUE(captures) << "no match";
    return captures ? fill_service(*rule, *captures) : ServiceInfo{};
}

TEST(VersionMatch, OpenSshDebianBanner) {
    const ServiceInfo s = must_match(openssh_debian, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n");
    EXPECT_EQ(s.name, "ssh");
    EXPECT_EQ(s.product, "OpenSSH");
    EXPECT_EQ(s.version, "9.2p1 Debian 2+deb12u3");
    EXPECT_EQ(s.extrainfo, "protocol 2.0");
    EXPECT_EQ(s.ostype, "Linux");
    // One CPE per part, the last template of a part winning (nmap 7.93 writes these two).
    EXPECT_EQ(s.cpes, (std::vector<std::string>{"cpe:/a:openbsd:openssh:9.2p1", "cpe:/o:linux:linux_kernel"}));
}

TEST(VersionMatch, SimpleHttpServer) {
    const ServiceInfo s = must_match(simplehttp, "HTTP/1.0 200 OK\r\nServer: SimpleHTTP/0.6 Python/3.11.2\r\nDate: x\r\n");
    EXPECT_EQ(s.product, "SimpleHTTPServer");
    EXPECT_EQ(s.version, "0.6");
    EXPECT_EQ(s.extrainfo, "Python 3.11.2");
    EXPECT_EQ(s.cpes, std::vector<std::string>{"cpe:/a:python:simplehttpserver:0.6"});
}

TEST(VersionMatch, SubstCommand) {
    const std::string reply = std::string("<LSX>\n\t<Event sender=\"EALS\">\n\t\t<Challenge version=\"9,5,12\" key=\"") +
                              std::string(32, 'a') + "\" />\n\t</Event>\n</LSX>\n" + std::string(1, '\0');
    const ServiceInfo s = must_match(ea_origin, reply);
    EXPECT_EQ(s.version, "9.5.12");
    EXPECT_EQ(s.cpes.at(0), "cpe:/a:ea:origin:9.5.12");
}

TEST(VersionMatch, BinaryDnsReplyWithDotAll) {
    std::string reply("\x00\x32\x00\x06\x85\x00", 6);
    reply += std::string_view("\x07version\x04" "bind\0\0\x10\0\x03\xc0\x0c\0\x10\0\x03", 24);
    reply += std::string("\0\0\0\0\0\x0e\x0d", 7) + "dnsmasq-2.89";
    const ServiceInfo s = must_match(dnsmasq, reply);
    EXPECT_EQ(s.product, "dnsmasq");
    EXPECT_EQ(s.version, "2.89");
    EXPECT_EQ(s.cpes.at(0), "cpe:/a:thekelleys:dnsmasq:2.89");
}

TEST(VersionSubstitute, CpeEscapingAndTrim) {
    const Captures caps{"whole", "Foo Bar:1/2", ""};
    EXPECT_EQ(substitute("a:x:y:$1", caps, Transform::cpe), "a:x:y:foo_bar%3A1%2F2");
    EXPECT_EQ(substitute("v $1, ", caps, Transform::none), "v Foo Bar:1/2");
    EXPECT_EQ(substitute("$P(2)x", caps, Transform::none), "x");  // an empty group
    EXPECT_FALSE(substitute("$5", caps, Transform::none));       // no such group
    EXPECT_FALSE(substitute("$NOPE(1)", caps, Transform::none));
}

constexpr std::string_view mini_file =
    "Exclude T:9100-9107\n"
    "Probe TCP NULL q||\n"
    "totalwaitms 6000\n"
    "match ftp m|^220 ProFTPD ([\\d.]+)| p/ProFTPD/ v/$1/\n"
    "softmatch ftp m|^220 |\n"
    "Probe TCP GetRequest q|GET / HTTP/1.0\\r\\n\\r\\n|\n"
    "rarity 1\n"
    "ports 80,8000-8010\n"
    "match http m|^HTTP/1\\.[01] \\d\\d\\d .*\\r\\nServer: nginx/([\\d.]+)|s p/nginx/ v/$1/\n"
    "Probe TCP Rare q|\\x01\\0|\n"
    "rarity 8\n"
    "ports 7000\n"
    "fallback GetRequest\n"
    "Probe TCP Middle q|hi|\n"
    "rarity 5\n"
    "match ftp m|^ftp ok| p/FtpThing/\n";

ProbeDb mini() {
    auto db = parse_probe_file(mini_file, "mini");
    EXPECT_TRUE(db) << (db ? "" : db.error().message);
    return std::move(*db);
}

TEST(VersionProbes, ParsesDirectives) {
    const ProbeDb db = mini();
    ASSERT_EQ(db.probes.size(), 4U);
    EXPECT_EQ(db.null_probe, 0U);
    EXPECT_EQ(db.probes[0].totalwaitms, 6000);
    EXPECT_EQ(db.probes[1].payload, "GET / HTTP/1.0\r\n\r\n");
    EXPECT_EQ(db.probes[2].payload, std::string("\x01\0", 2));
    EXPECT_EQ(db.probes[2].fallbacks, std::vector<std::size_t>{1});
    EXPECT_EQ(db.probes[3].totalwaitms, 5000);  // nmap's default
    EXPECT_TRUE(in_ranges(db.excluded_tcp, 9104));
    EXPECT_TRUE(in_ranges(db.probes[1].ports, 8005));
}

TEST(VersionProbes, PlanOrderRarityAndPorts) {
    const ProbeDb db = mini();
    // NULL first; then the probes naming the port whatever their rarity; then rarity <= intensity.
    EXPECT_EQ(probe_plan(db, Proto::tcp, 7000, 7), (std::vector<std::size_t>{0, 2, 1, 3}));
    EXPECT_EQ(probe_plan(db, Proto::tcp, 22, 7), (std::vector<std::size_t>{0, 1, 3}));
    EXPECT_EQ(probe_plan(db, Proto::tcp, 80, 2), (std::vector<std::size_t>{0, 1}));
    EXPECT_EQ(probe_plan(db, Proto::tcp, 22, 9), (std::vector<std::size_t>{0, 1, 2, 3}));
}

TEST(VersionProbes, FallbackAndNullRulesAndSoftmatch) {
    const ProbeDb db = mini();
    // The Rare probe has no rules: its fallback (GetRequest) recognises nginx.
    auto m = match_response(db, 2, "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\n\r\n");
    ASSERT_TRUE(m.hard);
    EXPECT_EQ(m.hard->product, "nginx");
    EXPECT_EQ(m.hard->version, "1.22.1");
    // Every TCP probe falls back to the NULL probe's rules.
    m = match_response(db, 3, "220 ProFTPD 1.3.8 Server\r\n");
    ASSERT_TRUE(m.hard);
    EXPECT_EQ(m.hard->product, "ProFTPD");
    m = match_response(db, 0, "220 something\r\n");
    EXPECT_FALSE(m.hard);
    ASSERT_TRUE(m.soft);
    EXPECT_EQ(m.soft->name, "ftp");
}

TEST(VersionProbes, SoftmatchNarrowsTheProbesAndIsTheAnswer) {
    const ProbeDb db = mini();
    PortProbing p(db, Address::parse("198.18.0.2").value(), 21, 7);
    EXPECT_EQ(p.next_probe(), 0U);
    EXPECT_FALSE(p.add_response("220 hello\r\n"));
    // GetRequest cannot name ftp: skipped; Middle can.
    EXPECT_EQ(p.next_probe(), 3U);
    EXPECT_FALSE(p.add_response("nope"));
    EXPECT_FALSE(p.next_probe());
    ASSERT_TRUE(p.result());
    EXPECT_EQ(p.result()->name, "ftp");
    EXPECT_TRUE(p.result()->product.empty());
}

TEST(VersionProbes, TcpWrappedAndExcluded) {
    const ProbeDb db = mini();
    PortProbing p(db, Address::parse("198.18.0.2").value(), 22, 7);
    ASSERT_EQ(p.next_probe(), 0U);
    p.peer_closed(std::chrono::milliseconds(5));
    ASSERT_TRUE(p.done());
    EXPECT_EQ(p.result()->name, "tcpwrapped");
    EXPECT_EQ(p.result()->conf, 8);
    PortProbing printer(db, Address::parse("198.18.0.2").value(), 9100, 7);
    EXPECT_FALSE(printer.next_probe());
}

TEST(VersionProbes, BadLinesNameTheLine) {
    auto db = parse_probe_file("Probe TCP NULL q||\nrarity 12\n", "f");
    ASSERT_FALSE(db);
    EXPECT_EQ(db.error().message, "f:2: bad rarity '12' (expected 1-9)");
    db = parse_probe_file("Probe TCP NULL q||\nmatch x m|abc p/x/\n", "f");
    ASSERT_FALSE(db);
    EXPECT_EQ(db.error().message, "f:2: the pattern has no closing delimiter");
    db = parse_probe_file("match x m|a|\n", "f");
    ASSERT_FALSE(db);
    EXPECT_EQ(db.error().message, "f:1: expected a Probe or Exclude line");
    db = parse_probe_file("Probe TCP A q|x|\nfallback Nope\n", "f");
    ASSERT_FALSE(db);
    EXPECT_EQ(db.error().message, "f: probe A: fallback 'Nope' names no probe");
    // A pattern PCRE2 rejects is left out and counted, as a file line is not ours to fix.
    db = parse_probe_file("Probe TCP NULL q||\nmatch x m|a(|\n", "f");
    ASSERT_TRUE(db);
    EXPECT_EQ(db->skipped_patterns, 1U);
}

TEST(VersionProbes, NmapsOwnFileLoads) {
    if (!std::filesystem::exists(ServiceProbes::default_path())) {
        const char* ci = std::getenv("CI");
        ASSERT_FALSE(ci != nullptr && std::string(ci) == "true") << "CI=true: nmap must be installed";
        GTEST_SKIP() << "nmap is not installed";
    }
    auto probes = ServiceProbes::load(ServiceProbes::default_path());
    ASSERT_TRUE(probes) << probes.error().message;
    EXPECT_GT(probes->probe_count(), 100U);  // 148 in nmap 7.93
    EXPECT_GT(probes->match_count(), 11000U);
    EXPECT_EQ(probes->skipped_patterns(), 0U);
}

}  // namespace
}  // namespace portwarden::version

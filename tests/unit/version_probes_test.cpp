// -sV's pure parts: the nmap-service-probes parser, the matcher and the template filling, on
// lines copied from nmap 7.93's /usr/share/nmap/nmap-service-probes.
#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "portwarden/version.hpp"
#include "version/matcher.hpp"
#include "version/probe_parser.hpp"
#include "version/prober.hpp"
#include "version/service_fp.hpp"
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
    EXPECT_EQ(probe_plan(db, Proto::tcp, 7000, 7, false), (std::vector<std::size_t>{0, 2, 1, 3}));
    EXPECT_EQ(probe_plan(db, Proto::tcp, 22, 7, false), (std::vector<std::size_t>{0, 1, 3}));
    EXPECT_EQ(probe_plan(db, Proto::tcp, 80, 2, false), (std::vector<std::size_t>{0, 1}));
    EXPECT_EQ(probe_plan(db, Proto::tcp, 22, 9, false), (std::vector<std::size_t>{0, 1, 2, 3}));
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

// The fingerprint's date is local time: "12/15" or "12/16" by zone, made "12/dd".
std::string any_day(std::string fp) {
    const auto at = fp.find("%D=12/");
    return at == std::string::npos ? fp : fp.replace(at + 6, 2, "dd");
}

PortProbing probing(const ProbeDb& db, std::uint16_t port, Proto proto = Proto::tcp, int intensity = 7) {
    FingerprintHeader header;
    header.port = port;
    header.proto = proto;
    header.intensity = intensity;
    header.version = "9.9";
    header.platform = "x86_64-pc-linux-gnu";
    header.time = 0x6B212BC0;  // 2026-12-15 12:00 UTC: "D=12/15" or "12/16", 5 characters in every zone
    return PortProbing(db, PortTarget{Address::parse("198.18.0.2").value(), proto, port, true}, intensity, header);
}

TEST(VersionProbes, SoftmatchNarrowsTheProbesAndIsTheAnswer) {
    const ProbeDb db = mini();
    PortProbing p = probing(db, 21);
    EXPECT_EQ(p.next_probe(), 0U);
    EXPECT_EQ(p.add_response("220 hello\r\n"), Step::wait);
    // GetRequest cannot name ftp: skipped; Middle can.
    EXPECT_EQ(p.next_probe(), 3U);
    EXPECT_EQ(p.add_response("nope"), Step::wait);
    EXPECT_FALSE(p.next_probe());
    ASSERT_TRUE(p.result());
    EXPECT_EQ(p.result()->name, "ftp");
    EXPECT_TRUE(p.result()->product.empty());
    // a softmatch keeps the fingerprint of what it saw (nmap prints it unless hard-matched)
    EXPECT_NE(unwrap_fingerprint(p.result()->servicefp).find("%r(NULL,B,\"220\\x20hello\\r\\n\")%r(Middle,4,\"nope\")"),
              std::string::npos)
        << p.result()->servicefp;
}

TEST(VersionProbes, TcpWrappedAndExcluded) {
    const ProbeDb db = mini();
    PortProbing p = probing(db, 22);
    ASSERT_EQ(p.next_probe(), 0U);
    p.peer_closed(std::chrono::milliseconds(5));
    ASSERT_TRUE(p.done());
    EXPECT_EQ(p.result()->name, "tcpwrapped");
    EXPECT_EQ(p.result()->conf, 8);
    PortProbing printer = probing(db, 9100);
    EXPECT_FALSE(printer.next_probe());
}

constexpr std::string_view tls_file =
    "Probe TCP NULL q||\n"
    "Probe TCP SSLSessionReq q|\\x16\\x03|\n"
    "rarity 1\n"
    "ports 443\n"
    "match ssl m|^\\x16\\x03\\x03| p/TLSv1.2/\n"
    "match ldap m|^0\\x84| p/OpenLDAP/\n"
    "Probe TCP GetRequest q|GET / HTTP/1.0\\r\\n\\r\\n|\n"
    "rarity 1\n"
    "ports 80\n"
    "sslports 443\n"
    "match http m|^HTTP/1\\.0 200 OK\\r\\nServer: SimpleHTTP/([\\d.]+)| p/SimpleHTTPServer/ v/$1/\n"
    "match ssl/ldap m|^LDAPS| p/slapd/\n"
    "Probe UDP DNSVersionBindReq q|\\0\\x06|\n"
    "rarity 1\n"
    "ports 53\n"
    "Probe UDP Help q|help\\r\\n|\n"
    "rarity 3\n";

TEST(VersionProbes, SslMatchRedoesTheProbesInsideTls) {
    auto db = parse_probe_file(tls_file, "tls");
    ASSERT_TRUE(db) << db.error().message;
    PortProbing p = probing(*db, 443);
    ASSERT_EQ(p.next_probe(), 0U);  // NULL: silent
    ASSERT_EQ(p.next_probe(), 1U);  // SSLSessionReq (ports 443)
    EXPECT_EQ(p.add_response("\x16\x03\x03\x00"), Step::restart);
    EXPECT_TRUE(p.tunnel());
    EXPECT_FALSE(p.done());
    // Inside TLS: NULL, then GetRequest first, as its sslports name 443.
    EXPECT_EQ(p.next_probe(), 0U);
    EXPECT_EQ(p.next_probe(), 2U);
    EXPECT_EQ(p.add_response("HTTP/1.0 200 OK\r\nServer: SimpleHTTP/0.6 Python/3.11.7\r\n"), Step::done);
    ASSERT_TRUE(p.result());
    EXPECT_EQ(p.result()->name, "http");
    EXPECT_EQ(p.result()->product, "SimpleHTTPServer");
    EXPECT_EQ(p.result()->tunnel, "ssl");
    EXPECT_TRUE(p.result()->servicefp.empty());
    // "ssl/ldap": known without a tunnel
    PortProbing q = probing(*db, 80);
    ASSERT_EQ(q.next_probe(), 0U);
    ASSERT_EQ(q.next_probe(), 2U);
    EXPECT_EQ(q.add_response("LDAPS"), Step::done);
    EXPECT_FALSE(q.tunnel());
    EXPECT_EQ(q.result()->name, "ldap");
    EXPECT_EQ(q.result()->tunnel, "ssl");
}

TEST(VersionProbes, UdpPlanHasNoNullProbeAndAnswersMarkTheProbing) {
    auto db = parse_probe_file(tls_file, "tls");
    ASSERT_TRUE(db) << db.error().message;
    EXPECT_EQ(probe_plan(*db, Proto::udp, 53, 7, false), (std::vector<std::size_t>{3, 4}));
    EXPECT_EQ(probe_plan(*db, Proto::udp, 161, 2, false), (std::vector<std::size_t>{3}));
    PortProbing p = probing(*db, 5353, Proto::udp);
    ASSERT_EQ(p.next_probe(), 3U);
    EXPECT_FALSE(p.responded());
    EXPECT_EQ(p.add_response("??"), Step::wait);
    EXPECT_TRUE(p.responded());
    ASSERT_EQ(p.next_probe(), 4U);
    EXPECT_FALSE(p.next_probe());
    ASSERT_TRUE(p.result());  // answered, unrecognised: the fingerprint, no name
    EXPECT_TRUE(p.result()->name.empty());
    EXPECT_EQ(p.result()->conf, 3);
    EXPECT_EQ(any_day(p.result()->servicefp),
              "SF-Port5353-UDP:V=9.9%I=7%D=12/dd%Time=6B212BC0%P=x86_64-pc-linux-gnu%r(DN\nSF:SVersionBindReq,2,"
              "\"\\?\\?\");");
    // below intensity 7 nmap keeps no fingerprint: an unrecognised answer gives nothing
    PortProbing light = probing(*db, 5353, Proto::udp, 2);
    ASSERT_EQ(light.next_probe(), 3U);
    light.add_response("??");
    EXPECT_FALSE(light.next_probe());
    EXPECT_FALSE(light.result());
}

TEST(ServiceFingerprint, EscapesWrapsAndTruncatesAsNmap) {
    FingerprintHeader h;
    h.port = 7777;
    h.version = "7.93";
    h.platform = "x86_64-pc-linux-gnu";
    h.time = 0x6B212BC0;
    ServiceFingerprint fp(h);
    fp.add("NULL", std::string("PWTEST ready \x01\0\x02 [v=1] (x)\r\n", 28));
    fp.add("X11Probe", std::string("a\0" "1\0", 4));
    // nmap 7.93's escaping; its wrapping counts the inserted "\nSF:" (later lines: 71 characters)
    const std::string text = any_day(fp.text());
    EXPECT_EQ(text,
              "SF-Port7777-TCP:V=7.93%I=7%D=12/dd%Time=6B212BC0%P=x86_64-pc-linux-gnu%r(N\n"
              "SF:ULL,1C,\"PWTEST\\x20ready\\x20\\x01\\0\\x02\\x20\\[v=1\\]\\x20\\(x\\)\\r\\n\")%r(X11Pr\n"
              "SF:obe,4,\"a\\x001\\0\");")
        << text;
    EXPECT_EQ(unwrap_fingerprint(text).find("\nSF:"), std::string::npos);
    ServiceFingerprint big(h);
    for (int i = 0; i < 10; ++i) {
        big.add("P", std::string(2000, 'x'));  // 900 bytes each; none once past 2200 characters
    }
    // the header (70) and three responses of 912: the third starts while the text (with its
    // "\nSF:" breaks) is still below 2200
    EXPECT_EQ(unwrap_fingerprint(big.text()).size(), 70U + 3 * 912 + 1) << big.text().substr(0, 100);
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

#include <gtest/gtest.h>

#include "cli/history_record.hpp"
#include "cli/nmap_args.hpp"
#include "cli/scan_checks.hpp"

using portwarden::cli::parse_duration;
using portwarden::cli::parse_tcp_flags;
using portwarden::cli::translate_nmap_flags;
using V = std::vector<std::string>;

TEST(CliArgs, TranslatesNmapFlags) {
    const auto out = translate_nmap_flags(
        V{"-sT", "-p-", "-Pn", "-n", "-T4", "-oX", "a.xml", "-oJ", "a.jsonl", "-iL", "-", "198.18.1.10"});
    ASSERT_TRUE(out);
    EXPECT_EQ(*out, (V{"--technique=connect", "--ports", "-", "--skip-discovery", "--no-dns", "--timing", "4",
                       "--xml", "a.xml", "--json", "a.jsonl", "--input-list", "-", "198.18.1.10"}));
}

TEST(CliArgs, PortsGluedAndSeparate) {
    EXPECT_EQ(*translate_nmap_flags(V{"-p22,80"}), (V{"--ports", "22,80"}));
    EXPECT_EQ(*translate_nmap_flags(V{"-p", "22"}), (V{"-p", "22"}));
    EXPECT_EQ(*translate_nmap_flags(V{"-T", "aggressive"}), (V{"--timing", "aggressive"}));
}

TEST(CliArgs, LongOptionsAndPositionalsPassThrough) {
    EXPECT_EQ(*translate_nmap_flags(V{"--reason", "--top-ports", "100", "fd00::1"}),
              (V{"--reason", "--top-ports", "100", "fd00::1"}));
    EXPECT_EQ(*translate_nmap_flags(V{"--", "-sT"}), (V{"--", "-sT"}));
}

TEST(CliArgs, UnsupportedFlagsNameTheFlag) {
    const auto v = translate_nmap_flags(V{"-sY"});
    ASSERT_FALSE(v);
    EXPECT_NE(v.error().message.find("'-sY'"), std::string::npos);
    EXPECT_EQ(*translate_nmap_flags(V{"-sV"}), (V{"--service-version"}));
    const auto o = translate_nmap_flags(V{"-oS", "x"});
    ASSERT_FALSE(o);
    EXPECT_NE(o.error().message.find("'-oS'"), std::string::npos);
}

TEST(CliArgs, Durations) {
    using std::chrono::microseconds;
    EXPECT_EQ(*parse_duration("250ms"), microseconds(250'000));
    EXPECT_EQ(*parse_duration("2s"), microseconds(2'000'000));
    EXPECT_EQ(*parse_duration("2"), microseconds(2'000'000));
    EXPECT_EQ(*parse_duration("1.5m"), microseconds(90'000'000));
    EXPECT_EQ(*parse_duration("1h"), microseconds(3'600'000'000));
    for (const char* bad : {"", "ms", "-1s", "5x", "1..2s", "nan", "1e30h"}) {
        const auto r = parse_duration(bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_NE(r.error().message.find(std::string("'") + bad + "'"), std::string::npos) << bad;
    }
}

TEST(CliArgs, ScanFlags) {
    EXPECT_EQ(*parse_tcp_flags("SYNFIN"), 0x03);
    EXPECT_EQ(*parse_tcp_flags("finsyn"), 0x03);
    EXPECT_EQ(*parse_tcp_flags("URGPSHFIN"), 0x29);
    EXPECT_EQ(*parse_tcp_flags("ACK|PSH"), 0x18);
    EXPECT_EQ(*parse_tcp_flags("ECECWR"), 0xc0);
    EXPECT_EQ(*parse_tcp_flags("ALL"), 0xff);
    EXPECT_EQ(*parse_tcp_flags("NONE"), 0x00);
    EXPECT_EQ(*parse_tcp_flags("9"), 0x09);
    EXPECT_EQ(*parse_tcp_flags("0x12"), 0x12);
    EXPECT_EQ(*parse_tcp_flags("255"), 0xff);
    for (const char* bad : {"", "256", "SYNFOO", "SY", "0x", "0x100", "-1", "9x", "SYN FIN"}) {
        const auto r = parse_tcp_flags(bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_NE(r.error().message.find(std::string("'") + bad + "'"), std::string::npos) << bad;
    }
}

TEST(CliArgs, PingFlags) {
    const auto t = translate_nmap_flags(V{"-sn", "-PE", "-PP", "-PS22,443", "-PA", "-PU", "-PU53", "-PR", "x"});
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_EQ(*t, (V{"--ping-only", "--ping-echo", "--ping-timestamp", "--ping-syn", "22,443", "--ping-ack", "80",
                     "--ping-udp", "40125", "--ping-udp", "53", "--ping-arp", "x"}));
    const auto bad = translate_nmap_flags(V{"-PX"});
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("'-PX'"), std::string::npos);
}

// nmap's scan types: one TCP type, plus -sU; a second TCP type is refused, naming both.
TEST(CliArgs, ScanTypesOneTcpTypePlusUdp) {
    using portwarden::Technique;
    using portwarden::cli::parse_scan_types;
    const auto both = parse_scan_types(V{"syn", "udp"}, Technique::connect);
    ASSERT_TRUE(both);
    EXPECT_EQ(both->technique, Technique::syn);
    EXPECT_TRUE(both->with_udp);
    EXPECT_TRUE(both->protocols().tcp);
    EXPECT_TRUE(both->protocols().udp);
    EXPECT_EQ(portwarden::cli::scan_types_name(*both), "syn+udp");
    const auto ack = parse_scan_types(V{"udp", "ack", "udp"}, Technique::connect);  // order and repeats free
    ASSERT_TRUE(ack);
    EXPECT_EQ(ack->technique, Technique::ack);
    EXPECT_TRUE(ack->with_udp);
    const auto udp = parse_scan_types(V{"udp"}, Technique::syn);
    ASSERT_TRUE(udp);
    EXPECT_EQ(udp->technique, Technique::udp);
    EXPECT_FALSE(udp->with_udp);
    EXPECT_FALSE(udp->protocols().tcp);
    const auto fallback = parse_scan_types(V{}, Technique::connect);
    ASSERT_TRUE(fallback);
    EXPECT_EQ(fallback->technique, Technique::connect);
    EXPECT_FALSE(fallback->with_udp);
    EXPECT_TRUE(parse_scan_types(V{"syn", "syn"}, Technique::connect));
    const auto two = parse_scan_types(V{"syn", "connect", "udp"}, Technique::connect);
    ASSERT_FALSE(two);
    EXPECT_EQ(two.error().message, "more than one TCP scan type (syn and connect): choose one; -sU may go with it");
    EXPECT_FALSE(parse_scan_types(V{"icmp-echo"}, Technique::connect));
}

TEST(CliArgs, PortPrefixesFollowTheScannedProtocols) {
    using portwarden::PortProtocols;
    using portwarden::Technique;
    using portwarden::cli::check_port_prefixes;
    EXPECT_TRUE(check_port_prefixes("T:22,U:53", Technique::syn, PortProtocols{true, true}));
    EXPECT_FALSE(check_port_prefixes("T:22,U:53", Technique::syn, PortProtocols{true, false}));
    EXPECT_FALSE(check_port_prefixes("T:22,U:53", Technique::udp, PortProtocols{false, true}));
    EXPECT_TRUE(check_port_prefixes("22,80", Technique::udp, PortProtocols{false, true}));
}

// nmap takes several scan types in one -s: -sSU is -sS -sU.
TEST(CliArgs, SeveralScanTypesInOneFlag) {
    EXPECT_EQ(*translate_nmap_flags(V{"-sSU", "-p", "22"}), (V{"--technique=syn", "--technique=udp", "-p", "22"}));
    EXPECT_EQ(*translate_nmap_flags(V{"-sUA"}), (V{"--technique=udp", "--technique=ack"}));
    const auto bad = translate_nmap_flags(V{"-sSZ"});
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("'-sSZ'"), std::string::npos) << bad.error().message;
}

// Drift confirmation compares each protocol's ports with the scans that probed them alike.
TEST(CliArgs, AlikeTechniquesPerProtocol) {
    using portwarden::Proto;
    using portwarden::cli::alike_techniques;
    using Names = std::vector<std::string>;
    EXPECT_EQ(alike_techniques("syn", Proto::tcp), (Names{"syn", "syn+udp"}));
    EXPECT_EQ(alike_techniques("syn+udp", Proto::tcp), (Names{"syn", "syn+udp"}));
    EXPECT_EQ(alike_techniques("connect+udp", Proto::tcp), (Names{"connect", "connect+udp"}));
    EXPECT_EQ(alike_techniques("syn+udp/flags=0x29", Proto::tcp), (Names{"syn/flags=0x29", "syn+udp/flags=0x29"}));
    const Names udp{"udp", "connect+udp", "syn+udp", "ack+udp", "window+udp", "fin+udp", "null+udp", "xmas+udp",
                    "maimon+udp"};
    EXPECT_EQ(alike_techniques("udp", Proto::udp), udp);
    EXPECT_EQ(alike_techniques("ack+udp", Proto::udp), udp);
    Names flagged = udp;
    flagged.emplace_back("syn+udp/flags=0x29");
    EXPECT_EQ(alike_techniques("syn+udp/flags=0x29", Proto::udp), flagged);
}

#include <gtest/gtest.h>

#include "cli/nmap_args.hpp"

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

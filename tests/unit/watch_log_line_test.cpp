// Firewall log lines in the kernel's formats (nf_log_syslog: iptables -j LOG, nftables log),
// as dmesg, journald and syslog files carry them; frame options; alert output.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "net/packet_view.hpp"
#include "watch/alert_format.hpp"
#include "watch/frame_events.hpp"
#include "portwarden/watch.hpp"

namespace portwarden::watch {
namespace {

TEST(WatchLogLine, IptablesSynDropFromDmesg) {
    const auto p = parse_log_line(
        "[ 4116.309682] DROP IN=eth0 OUT= MAC=88:b4:44:04:8f:24:b2:41:a2:ce:6c:4e:08:00 SRC=198.18.0.2 "
        "DST=198.18.1.10 LEN=44 TOS=0x00 PREC=0x00 TTL=46 ID=31028 PROTO=TCP SPT=51162 DPT=4 WINDOW=1024 "
        "RES=0x00 SYN URGP=0 ");
    ASSERT_TRUE(p);
    EXPECT_FALSE(p->accepted);
    EXPECT_TRUE(p->has_time);
    EXPECT_DOUBLE_EQ(p->probe.time, 4116.309682);
    EXPECT_EQ(p->probe.src.to_string(), "198.18.0.2");
    EXPECT_EQ(p->probe.dst.to_string(), "198.18.1.10");
    EXPECT_EQ(p->probe.protocol, net::kProtoTcp);
    EXPECT_EQ(p->probe.dst_port, 4);
    EXPECT_EQ(p->probe.src_port, 51162);
    EXPECT_EQ(p->probe.tcp_flags, net::kTcpSyn);
    EXPECT_EQ(p->probe.window, 1024);
    EXPECT_EQ(p->probe.ip_id, 31028);
    EXPECT_EQ(p->probe.ttl, 46);
    EXPECT_FALSE(p->probe.options_known);
}

TEST(WatchLogLine, NftablesLogWithOptionsAndSequenceFromJournald) {
    // journalctl -k -o cat: no stamp; nft `log prefix "pw accept: " flags tcp sequence,options`.
    const auto p = parse_log_line(
        "pw accept: IN=eth0 OUT= MAC=88:b4:44:04:8f:24:b2:41:a2:ce:6c:4e:08:00 SRC=198.18.0.2 DST=198.18.1.10 "
        "LEN=60 TOS=0x00 PREC=0x00 TTL=63 ID=22339 DF PROTO=TCP SPT=40312 DPT=22 SEQ=2017729091 ACK=0 "
        "WINDOW=64240 RES=0x00 SYN URGP=0 OPT (020405B40402080A9C0B1D5A0000000001030307) ");
    ASSERT_TRUE(p);
    EXPECT_TRUE(p->accepted);
    EXPECT_FALSE(p->has_time);
    EXPECT_EQ(p->probe.seq, 2017729091U);
    EXPECT_TRUE(p->probe.options_known);
    EXPECT_EQ(p->probe.options.count, 4);
    EXPECT_EQ(p->probe.options.mss, 1460);
    EXPECT_TRUE(p->probe.options.sack_permitted);
    EXPECT_TRUE(p->probe.options.timestamps);
    EXPECT_TRUE(p->probe.options.window_scale);
}

TEST(WatchLogLine, XmasUdpIcmpAndIpv6) {
    const auto xmas = parse_log_line(
        "Dec  3 08:21:35 host kernel: [ 12.5] IN=eth0 OUT= SRC=198.18.0.2 DST=198.18.1.10 LEN=40 TOS=0x00 "
        "PREC=0x00 TTL=50 ID=1 PROTO=TCP SPT=1 DPT=7 WINDOW=1024 RES=0x00 URG PSH FIN URGP=0 ");
    ASSERT_TRUE(xmas);
    EXPECT_EQ(xmas->probe.tcp_flags, net::kTcpUrg | net::kTcpPsh | net::kTcpFin);
    const auto udp = parse_log_line(
        "[UFW BLOCK] IN=eth0 OUT= MAC= SRC=198.18.0.2 DST=198.18.1.10 LEN=28 TOS=0x00 PREC=0x00 TTL=52 ID=28086 "
        "PROTO=UDP SPT=54655 DPT=9 LEN=8 ");
    ASSERT_TRUE(udp);
    EXPECT_EQ(udp->probe.protocol, net::kProtoUdp);
    EXPECT_EQ(udp->probe.dst_port, 9);
    EXPECT_FALSE(udp->has_time);  // "[UFW BLOCK]" is no kernel stamp
    const auto icmp = parse_log_line(
        "IN=eth0 OUT= SRC=198.18.0.2 DST=198.18.1.10 LEN=28 TOS=0x00 PREC=0x00 TTL=45 ID=49613 PROTO=ICMP "
        "TYPE=8 CODE=0 ID=57454 SEQ=0 ");
    ASSERT_TRUE(icmp);
    EXPECT_EQ(icmp->probe.icmp_type, 8);
    EXPECT_EQ(icmp->probe.ip_id, 49613);  // the IP ID, not the echo's
    const auto v6 = parse_log_line(
        "drop6 IN=eth0 OUT= SRC=fd00:0000:0000:0100:0000:0000:0000:0002 DST=fd00:0000:0000:0001:0000:0000:0000:0010 "
        "LEN=60 TC=0 HOPLIMIT=63 FLOWLBL=0 PROTO=TCP SPT=1 DPT=80 WINDOW=1024 RES=0x00 FIN URGP=0 ");
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->probe.src.to_string(), "fd00:0:0:100::2");
    EXPECT_EQ(v6->probe.ttl, 63);
    EXPECT_EQ(v6->probe.tcp_flags, net::kTcpFin);
}

TEST(WatchLogLine, OtherLinesAreNotFirewallLines) {
    EXPECT_FALSE(parse_log_line(""));
    EXPECT_FALSE(parse_log_line("[ 4116.309682] eth0: entered promiscuous mode"));
    EXPECT_FALSE(parse_log_line("IN=eth0 OUT= SRC=300.1.1.1 DST=198.18.1.10 PROTO=TCP"));
    EXPECT_FALSE(parse_log_line("IN=eth0 OUT= SRC=198.18.0.2 PROTO=TCP SPT=1 DPT=2"));
    EXPECT_FALSE(parse_log_line("SRC=198.18.0.2 DST=198.18.1.10 PROTO=TCP"));  // no IN=
    const auto cut = parse_log_line("IN=eth0 OUT= SRC=198.18.0.2 DST=198.18.1.10 PROTO=TCP SPT=99999999999 DP");
    ASSERT_TRUE(cut);  // truncated fields read as 0, never past the line
    EXPECT_EQ(cut->probe.dst_port, 0);
}

TEST(WatchTcpOptions, MalformedOptionsStopTheWalk) {
    const std::uint8_t nmap[] = {2, 4, 5, 0xb4};
    EXPECT_EQ(parse_tcp_options(nmap).count, 1);
    EXPECT_EQ(parse_tcp_options(nmap).mss, 1460);
    const std::uint8_t bad[] = {1, 1, 4, 2, 8, 0};  // NOP NOP SACK-ok, then a length past the end
    const TcpOptions shape = parse_tcp_options(bad);
    EXPECT_EQ(shape.count, 1);
    EXPECT_TRUE(shape.sack_permitted);
    EXPECT_FALSE(shape.timestamps);
    const std::uint8_t zero_length[] = {8, 0, 8, 10};
    EXPECT_EQ(parse_tcp_options(zero_length).count, 0);
}

TEST(WatchAlertFormat, JsonFieldsAndHumanLine) {
    Alert a;
    a.src = *Address::parse("198.18.0.2");
    a.dst = *Address::parse("198.18.1.10");
    a.technique = Technique::xmas;
    a.tool = Tool::nmap;
    a.first_seen = 1.0;
    a.time = 1.25;
    a.probes = 5;
    a.ports = 5;
    a.hosts = 1;
    a.closed = 4;
    a.failures = 4;
    a.decided_by = "trw";
    const auto j = nlohmann::json::parse(alert_json(a, 1'800'000'000.0));
    EXPECT_EQ(j["event"], "scan");
    EXPECT_EQ(j["time"], "2027-01-15T08:00:01.250Z");
    EXPECT_EQ(j["first_seen"], "2027-01-15T08:00:01.000Z");
    EXPECT_EQ(j["technique"], "xmas");
    EXPECT_EQ(j["tool"], "nmap");
    EXPECT_EQ(j["hit"], "closed");
    EXPECT_DOUBLE_EQ(j["latency_s"].get<double>(), 0.25);
    EXPECT_EQ(alert_line(a, 1'800'000'000.0),
              "2027-01-15T08:00:01.250Z scan from 198.18.0.2 to 198.18.1.10: xmas (nmap), 5 probes, 5 ports, "
              "1 hosts; 4 closed, 0 filtered, 0 open (hit closed); trw after 0.250 s");
}

}  // namespace
}  // namespace portwarden::watch

// The scan detector's core on synthetic event streams: fast and slow scans of every technique,
// tool fingerprints (fields as tcpdump showed nmap 7.93, masscan 1.3.2 and zmap 2.1.1 send them),
// busy benign clients, and a flood of spoofed sources against the fixed-size table.
#include <gtest/gtest.h>

#include <vector>

#include "net/packet_view.hpp"
#include "portwarden/watch.hpp"
#include "watch/fingerprint.hpp"
#include "watch_support.hpp"

namespace portwarden::watch {
namespace {

TEST(WatchWalk, FourFailedFirstContactsDecideWithThePapersConstants) {
    Harness h;
    for (std::uint16_t port = 1; port <= 3; ++port) {
        h.detector.probe(nmap_raw(port, net::kTcpFin, port));
    }
    EXPECT_TRUE(h.alerts.empty());  // 3 * ln 4 = 4.16 < ln 99 = 4.60
    h.detector.probe(nmap_raw(4, net::kTcpFin, 4));
    ASSERT_EQ(h.alerts.size(), 1U);
    EXPECT_EQ(h.alerts[0].failures, 4U);
    EXPECT_EQ(h.alerts[0].decided_by, "trw");
}

TEST(WatchDetector, NmapSynScanOfClosedPortsIsOneAlertNamingSynAndNmap) {
    Harness h;
    double t = 0;
    for (std::uint16_t port = 1; port <= 200; ++port, t += 0.001) {
        h.detector.probe(nmap_raw(port, net::kTcpSyn, t));
        h.detector.answer(reply(kScanner, port, AnswerKind::rst, t + 0.0001));
    }
    ASSERT_EQ(h.alerts.size(), 1U);
    const Alert& a = h.alerts[0];
    EXPECT_EQ(a.technique, Technique::syn);
    EXPECT_EQ(a.tool, Tool::nmap);
    EXPECT_EQ(a.src, kScanner);
    EXPECT_EQ(a.dst, kHost);
    EXPECT_LT(a.time - a.first_seen, 0.01);
    EXPECT_EQ(a.closed, 4U);
    EXPECT_EQ(a.probes, 4U);
}

TEST(WatchDetector, ConnectScanIsNamedByTheKernelsSynOptions) {
    Harness h;
    for (std::uint16_t port = 1; port <= 20; ++port) {
        h.detector.probe(tcp(kScanner, port, net::kTcpSyn, port * 0.01));
        h.detector.answer(reply(kScanner, port, AnswerKind::rst, port * 0.01 + 0.001));
    }
    ASSERT_EQ(h.alerts.size(), 1U);
    EXPECT_EQ(h.alerts[0].technique, Technique::connect);
    EXPECT_EQ(h.alerts[0].tool, Tool::unknown);
}

TEST(WatchDetector, ConnectScanOfManyOpenPortsIsStillConnect) {
    Harness h;
    for (std::uint16_t port = 1; port <= 40; ++port) {
        const double t = port * 0.01;
        h.detector.probe(tcp(kScanner, port, net::kTcpSyn, t));
        if (port % 4 == 0) {  // one port in 4 open: handshake, then the scanner closes
            h.detector.answer(reply(kScanner, port, AnswerKind::syn_ack, t));
            for (int segment = 0; segment < 6; ++segment) {  // a banner read: more ACKs than SYNs in all
                h.detector.probe(tcp(kScanner, port, net::kTcpAck, t));
            }
            h.detector.probe(tcp(kScanner, port, net::kTcpFin | net::kTcpAck, t));
            h.detector.probe(tcp(kScanner, port, net::kTcpAck, t));
        } else {
            h.detector.answer(reply(kScanner, port, AnswerKind::rst, t));
        }
    }
    h.detector.finish(1);
    ASSERT_FALSE(h.alerts.empty());
    EXPECT_EQ(h.alerts.back().technique, Technique::connect);  // its ACKs and FINs are no votes
}

TEST(WatchDetector, StealthFlagScansNeedNoAnswer) {
    const std::pair<std::uint8_t, Technique> cases[] = {
        {net::kTcpFin, Technique::fin},
        {0, Technique::null},
        {net::kTcpFin | net::kTcpPsh | net::kTcpUrg, Technique::xmas},
    };
    for (const auto& [flags, technique] : cases) {
        Harness h;
        for (std::uint16_t port = 1; port <= 50; ++port) {
            h.detector.probe(nmap_raw(port, flags, port * 0.001));
        }
        ASSERT_EQ(h.alerts.size(), 1U) << technique_name(technique);
        EXPECT_EQ(h.alerts[0].technique, technique);
        EXPECT_EQ(h.alerts[0].tool, Tool::nmap);
    }
}

TEST(WatchDetector, AckAndMaimonProbesCountOnlyWhenTheHostResets) {
    for (const auto& [flags, technique] : {std::pair{std::uint8_t{net::kTcpAck}, Technique::ack},
                                           std::pair{std::uint8_t{net::kTcpFin | net::kTcpAck}, Technique::maimon}}) {
        Harness h;
        for (std::uint16_t port = 1; port <= 10; ++port) {
            h.detector.probe(nmap_raw(port, flags, port * 0.01));
        }
        h.detector.tick(5);
        EXPECT_TRUE(h.alerts.empty());  // unanswered: mid-connection segments, not trials
        for (std::uint16_t port = 11; port <= 20; ++port) {
            h.detector.probe(nmap_raw(port, flags, 6 + port * 0.01));
            h.detector.answer(reply(kScanner, port, AnswerKind::rst, 6 + port * 0.01));
        }
        ASSERT_EQ(h.alerts.size(), 1U);
        EXPECT_EQ(h.alerts[0].technique, technique);
    }
}

TEST(WatchDetector, SlowUdpProbesFailByTimeout) {
    Harness h;
    for (std::uint16_t port = 1; port <= 4; ++port) {
        Probe p = nmap_raw(port, 0, port * 2.0);
        p.protocol = net::kProtoUdp;
        h.detector.probe(p);
        h.detector.tick(port * 2.0 + 0.4);
        EXPECT_TRUE(h.alerts.empty());
        h.detector.tick(port * 2.0 + 0.6);
    }
    ASSERT_EQ(h.alerts.size(), 1U);
    EXPECT_DOUBLE_EQ(h.alerts[0].time, 8.6);  // the tick after the 4th probe's time-out
    EXPECT_EQ(h.alerts[0].filtered, 4U);
}

TEST(WatchDetector, UdpScanCountsRateLimitedSilenceAsFailures) {
    Harness h;
    for (std::uint16_t port = 1; port <= 100; ++port) {
        Probe p = nmap_raw(port, 0, port * 0.001);
        p.protocol = net::kProtoUdp;
        h.detector.probe(p);
        if (port <= 2) {  // the kernel's ICMP rate limit lets only a few through
            h.detector.answer(reply(kScanner, port, AnswerKind::icmp_port_unreach, p.time, net::kProtoUdp));
        }
    }
    // More unanswered probes than pending slots (8): the oldest are decided at once, before
    // their time-out, so a fast UDP scan is caught without waiting.
    ASSERT_EQ(h.alerts.size(), 1U);
    EXPECT_LT(h.alerts[0].time, 0.1);
    EXPECT_EQ(h.alerts[0].technique, Technique::udp);
    EXPECT_EQ(h.alerts[0].closed, 2U);
    EXPECT_GE(h.alerts[0].filtered, 2U);
}

TEST(WatchDetector, NmapHostDiscoveryProbeSetIsAPingSweep) {
    Harness h;
    Probe echo = nmap_raw(0, 0, 0);
    echo.protocol = net::kProtoIcmp;
    echo.icmp_type = net::kIcmpEchoRequest;
    Probe stamp = echo;
    stamp.icmp_type = net::kIcmpTimestampRequest;
    h.detector.probe(echo);
    h.detector.probe(nmap_raw(443, net::kTcpSyn, 0));
    h.detector.probe(nmap_raw(80, net::kTcpAck, 0));
    EXPECT_TRUE(h.alerts.empty());
    h.detector.probe(stamp);
    ASSERT_EQ(h.alerts.size(), 1U);
    EXPECT_EQ(h.alerts[0].technique, Technique::ping_sweep);
    EXPECT_EQ(h.alerts[0].tool, Tool::nmap);
    EXPECT_EQ(h.alerts[0].decided_by, "nmap-discovery");
}

TEST(WatchDetector, PingSweepOfUnusedAddressesIsDecidedByTheWalk) {
    Harness h;
    for (std::uint32_t i = 1; i <= 20; ++i) {
        Probe p = nmap_raw(0, 0, i * 0.01);
        p.protocol = net::kProtoIcmp;
        p.icmp_type = net::kIcmpEchoRequest;
        p.dst = Address::from_v4(0xc6120100U + i);
        h.detector.probe(p);
    }
    h.detector.tick(2);
    ASSERT_EQ(h.alerts.size(), 1U);
    EXPECT_EQ(h.alerts[0].technique, Technique::ping_sweep);
    EXPECT_GE(h.alerts[0].hosts, 4U);
}

TEST(WatchFingerprint, OneMasscanOrZmapProbeNamesTheTool) {
    Harness h;
    Probe m = tcp(kScanner, 13, net::kTcpSyn, 1);  // as tcpdump showed masscan 1.3.2
    m.options = {};
    m.window = 1024;
    m.ttl = 254;
    m.seq = 2017729091U;
    m.ip_id = 6980;  // = (198.18.1.10 ^ 13 ^ seq) & 0xffff
    h.detector.probe(m);
    Probe z = tcp(*Address::parse("198.18.0.3"), 16, net::kTcpSyn, 1);  // zmap 2.1.1
    z.options = {};
    z.window = 65535;
    z.ip_id = 54321;
    h.detector.probe(z);
    ASSERT_EQ(h.alerts.size(), 2U);
    EXPECT_EQ(h.alerts[0].tool, Tool::masscan);
    EXPECT_EQ(h.alerts[0].technique, Technique::syn);
    EXPECT_EQ(h.alerts[0].decided_by, "fingerprint");
    EXPECT_EQ(h.alerts[1].tool, Tool::zmap);
    m.ip_id = 6981;  // one bit off: an ordinary option-less SYN
    EXPECT_EQ(probe_tool(m), Tool::unknown);
}

TEST(WatchDetector, SlowScanFifteenSecondsApartIsCaught) {
    Harness h;
    for (std::uint16_t i = 0; i < 50; ++i) {  // nmap -T1: one probe per 15 s
        const double t = i * 15.0;
        h.detector.probe(nmap_raw(static_cast<std::uint16_t>(1000 + i), net::kTcpSyn, t));
        h.detector.answer(reply(kScanner, static_cast<std::uint16_t>(1000 + i), AnswerKind::rst, t + 0.001));
        h.detector.tick(t + 1);
    }
    ASSERT_EQ(h.alerts.size(), 1U);
    EXPECT_DOUBLE_EQ(h.alerts[0].time - h.alerts[0].first_seen, 45.001);
}

TEST(WatchDetector, BusyClientsOfOpenServicesNeverAlert) {
    Harness h;
    const std::uint16_t open[] = {22, 80, 443};
    double t = 0;
    for (std::uint32_t round = 0; round < 200; ++round) {
        for (std::uint32_t c = 0; c < 50; ++c, t += 0.0005) {
            const Address client = Address::from_v4(0xc6120000U + 100 + c);
            const std::uint16_t port = open[(round + c) % 3];
            const auto closed = static_cast<std::uint16_t>(8000 + round);
            h.detector.probe(tcp(client, port, net::kTcpSyn, t));
            h.detector.answer(reply(client, port, AnswerKind::syn_ack, t));
            h.detector.probe(tcp(client, port, net::kTcpAck, t));
            if (round % 50 == c % 50) {  // now and then a closed port (a stale bookmark)
                h.detector.probe(tcp(client, closed, net::kTcpSyn, t));
                h.detector.answer(reply(client, closed, AnswerKind::rst, t));
            }
        }
        h.detector.tick(t);
    }
    EXPECT_TRUE(h.alerts.empty());
    EXPECT_EQ(h.detector.stats().sources, 50U);
}

TEST(WatchDetector, HalfOpenSynScanOfOpenPortsFails) {
    Harness h;
    for (std::uint16_t port = 1; port <= 5; ++port) {
        h.detector.probe(nmap_raw(port, net::kTcpSyn, port * 0.001));
        h.detector.answer(reply(kScanner, port, AnswerKind::syn_ack, port * 0.001));
        h.detector.probe(nmap_raw(port, net::kTcpRst, port * 0.001));  // nmap resets, no ACK
    }
    ASSERT_EQ(h.alerts.size(), 1U);
    EXPECT_EQ(h.alerts[0].open, 4U);
}

TEST(WatchDetector, IdleSourcesExpireAndAScanLaterAlertsAgain) {
    Config config;
    config.idle_expiry = 60;
    Harness h(config);
    for (double base : {0.0, 1000.0}) {
        for (std::uint16_t port = 1; port <= 6; ++port) {
            h.detector.probe(nmap_raw(port, net::kTcpFin, base + port));
        }
        h.detector.tick(base + 100);
    }
    ASSERT_EQ(h.alerts.size(), 4U);  // a decision and an end for each episode
    for (std::size_t i : {0U, 2U}) {
        EXPECT_FALSE(h.alerts[i].end);
        EXPECT_TRUE(h.alerts[i + 1].end);
        EXPECT_EQ(h.alerts[i + 1].probes, 6U);
        EXPECT_EQ(h.alerts[i + 1].failures, 6U);
        EXPECT_DOUBLE_EQ(h.alerts[i + 1].time, h.alerts[i].first_seen + 5);  // its last probe
    }
    EXPECT_EQ(h.detector.stats().sources, 0U);
    EXPECT_EQ(h.detector.stats().alerts, 2U);
}

TEST(WatchDetector, FinishReportsWhatTheScanLearned) {
    Harness h;
    for (std::uint16_t port = 1; port <= 200; ++port) {
        h.detector.probe(nmap_raw(port, net::kTcpSyn, port * 0.001));
        const bool open = port == 22 || port == 80;
        h.detector.answer(reply(kScanner, port, open ? AnswerKind::syn_ack : AnswerKind::rst, port * 0.001));
        if (open) {
            h.detector.probe(nmap_raw(port, net::kTcpRst, port * 0.001));
        }
    }
    h.detector.probe(tcp(*Address::parse("198.18.0.9"), 22, net::kTcpSyn, 1));  // a client: no episode
    h.detector.finish(2);
    ASSERT_EQ(h.alerts.size(), 2U);
    const Alert& end = h.alerts[1];
    EXPECT_TRUE(end.end);
    EXPECT_EQ(end.probes, 202U);
    EXPECT_EQ(end.open, 2U);
    EXPECT_EQ(end.closed, 198U);
    EXPECT_EQ(end.failures, 200U);  // 198 RSTs, 2 half-open
    EXPECT_EQ(end.ports, 200U);
    EXPECT_EQ(end.decided_by, "trw");
}

TEST(WatchDetector, FirewallLogVerdictsAreTrialsAtOnce) {
    Harness h;
    for (std::uint16_t port = 1; port <= 3; ++port) {
        h.detector.logged(tcp(kScanner, port, net::kTcpSyn, port), false);
    }
    for (std::uint32_t c = 0; c < 20; ++c) {  // accepted clients
        h.detector.logged(tcp(Address::from_v4(0xc6120200U + c), 22, net::kTcpSyn, 5), true);
    }
    EXPECT_TRUE(h.alerts.empty());
    h.detector.logged(tcp(kScanner, 4, net::kTcpSyn, 4), false);
    ASSERT_EQ(h.alerts.size(), 1U);
    EXPECT_EQ(h.alerts[0].filtered, 4U);
}

TEST(WatchMemory, MillionSpoofedSourcesStayInTheFixedTable) {
    Config config;
    config.table_slots = 16384;
    Harness h(config);
    const std::size_t bound = Detector::memory_bound(config);
    EXPECT_LT(bound, std::size_t{10} << 20);  // the documented bound: 9.4 MiB at 16384 slots (docs/reference.md)
    double t = 0;
    std::uint16_t scan_port = 1;
    for (std::uint32_t i = 0; i < 1'000'000; ++i, t += 1e-6) {
        // SYN floods from random-looking spoofed sources: SYN-ACKs that no ACK ever follows.
        const Address spoofed = Address::from_v4(0x0a000000U + i * 2654435761U % 0x00ffffffU);
        h.detector.probe(tcp(spoofed, 80, net::kTcpSyn, t));
        h.detector.answer(reply(spoofed, 80, AnswerKind::syn_ack, t));
        if (i % 500 == 0 && scan_port < 100) {  // a real scanner hidden in the flood
            h.detector.probe(nmap_raw(scan_port, net::kTcpSyn, t));
            h.detector.answer(reply(kScanner, scan_port++, AnswerKind::rst, t));
        }
        if (i % 100000 == 0) {
            h.detector.tick(t);
        }
    }
    h.detector.tick(t + 1);
    const Stats stats = h.detector.stats();
    EXPECT_LE(stats.sources, 16384U);
    EXPECT_GT(stats.evictions, 900'000U);
    ASSERT_EQ(h.alerts.size(), 1U);  // spoofed sources made one trial each: no alert
    EXPECT_EQ(h.alerts[0].src, kScanner);
}

}  // namespace
}  // namespace portwarden::watch

// `watch`'s first contacts and distinct-port counts on known scans (a -p- scan of one host is
// 65,535 ports and 65,535 failed trials, not the 7,098 a saturated 1024-bit filter said), the pool
// of exact sets running out, and the label of nmap's host discovery followed by a port scan.
#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "net/packet_view.hpp"
#include "portwarden/watch.hpp"
#include "watch/distinct_hosts.hpp"
#include "watch/source_table.hpp"
#include "watch_support.hpp"

namespace portwarden::watch {
namespace {

// A SYN scan of ports first..last of `host` from `src`, every port answered with a RST; returns
// the time after the last probe.
double syn_scan(Detector& d, const Address& src, const Address& host, std::uint32_t first, std::uint32_t last,
                double t) {
    for (std::uint32_t port = first; port <= last; ++port, t += 1e-5) {
        Probe p = nmap_raw(static_cast<std::uint16_t>(port), net::kTcpSyn, t);
        p.src = src;
        p.dst = host;
        d.probe(p);
        Answer a = reply(src, static_cast<std::uint16_t>(port), AnswerKind::rst, t);
        a.host = host;
        d.answer(a);
    }
    return t;
}

Config with_pool(std::size_t wide_sets) {
    Config config;
    config.wide_sets = wide_sets;
    return config;
}

const Alert& end_of(const std::vector<Alert>& alerts, const Address& src) {
    for (const Alert& a : alerts) {
        if (a.end && a.src == src) {
            return a;
        }
    }
    throw std::runtime_error("no end alert for " + src.to_string());
}

TEST(WatchContacts, KnownPortCountsAreExactUpToAFullScan) {
    for (const std::uint32_t n : {4U, 16U, 17U, 300U, 1000U, 65535U}) {
        Harness h;
        const double t = syn_scan(h.detector, kScanner, kHost, 1, n, 0);
        h.detector.finish(t + 1);
        const Alert& end = end_of(h.alerts, kScanner);
        EXPECT_EQ(end.ports, n) << n << " ports";
        EXPECT_EQ(end.probes, n);
        EXPECT_EQ(end.closed, n);
        EXPECT_EQ(end.failures, n) << "every port is a first contact, so a failed trial";
        EXPECT_EQ(end.hosts, 1U);
    }
}

TEST(WatchContacts, RetransmissionsAreNotNewContacts) {
    Harness h;
    double t = syn_scan(h.detector, kScanner, kHost, 1, 5000, 0);
    t = syn_scan(h.detector, kScanner, kHost, 1, 5000, t);  // every probe again (nmap's retries)
    h.detector.finish(t + 1);
    const Alert& end = end_of(h.alerts, kScanner);
    EXPECT_EQ(end.probes, 10000U);
    EXPECT_EQ(end.ports, 5000U);
    EXPECT_EQ(end.failures, 5000U);
}

TEST(WatchContacts, TwoHostsAndTwoProtocolsAddUp) {
    Harness h;
    const Address other = *Address::parse("198.18.1.11");
    double t = syn_scan(h.detector, kScanner, kHost, 1, 1000, 0);
    t = syn_scan(h.detector, kScanner, other, 1, 1000, t);
    for (std::uint16_t port = 1; port <= 100; ++port, t += 1e-4) {  // and UDP 1-100 of the first
        Probe p = nmap_raw(port, 0, t);
        p.protocol = net::kProtoUdp;
        h.detector.probe(p);
    }
    h.detector.finish(t + 1);
    const Alert& end = end_of(h.alerts, kScanner);
    // Each (host, protocol) has its own offset into the 65,536 indexes; these three ranges do
    // not overlap (a 1000-port overlap happens for ~3% of address pairs: a lower count then).
    EXPECT_EQ(end.ports, 2100U);
    EXPECT_EQ(end.hosts, 2U);
}

TEST(WatchContacts, WhenThePoolRunsOutTheOldestHolderFoldsAndTheNewScanStaysExact) {
    Harness h(with_pool(1));
    const Address second = *Address::parse("198.18.0.3");
    double t = syn_scan(h.detector, kScanner, kHost, 1, 3000, 0);
    t = syn_scan(h.detector, second, kHost, 1, 3000, t);  // takes the one set
    t = syn_scan(h.detector, kScanner, kHost, 3001, 6000, t);  // folded onto 1024 bits: saturates
    h.detector.finish(t + 1);
    EXPECT_EQ(end_of(h.alerts, second).ports, 3000U);
    const Alert& first = end_of(h.alerts, kScanner);
    EXPECT_GE(first.ports, 3000U);  // exact while it held the set, then an undercount
    EXPECT_LT(first.ports, 6000U);
    EXPECT_EQ(first.probes, 6000U);
}

TEST(WatchContacts, WithoutAPoolTheSlotsOwnBitsStillCount) {
    Harness h(with_pool(0));
    const double t = syn_scan(h.detector, kScanner, kHost, 1, 200, 0);
    h.detector.finish(t + 1);
    const Alert& end = end_of(h.alerts, kScanner);
    // 16 in the slot's list, then folded onto its 1024 bits: 200 consecutive ports of one host
    // are 200 consecutive indexes, distinct modulo 1024 (random ports would collide now and then).
    EXPECT_EQ(end.ports, 200U);
    EXPECT_EQ(Detector::memory_bound(with_pool(0)) + 128 * (8192 + sizeof(void*)),
              Detector::memory_bound(Config{}));
}

void nmap_discovery(Detector& d) {
    Probe echo = nmap_raw(0, 0, 0);
    echo.protocol = net::kProtoIcmp;
    echo.icmp_type = net::kIcmpEchoRequest;
    Probe stamp = echo;
    stamp.icmp_type = net::kIcmpTimestampRequest;
    Probe syn = nmap_raw(443, net::kTcpSyn, 0);
    Probe ack = nmap_raw(80, net::kTcpAck, 0);
    d.probe(echo);
    d.probe(syn);
    d.probe(ack);
    d.probe(stamp);
}

TEST(WatchLabel, HostDiscoveryFollowedByAPortScanIsRelabelledOnce) {
    Harness h;
    nmap_discovery(h.detector);
    ASSERT_EQ(h.alerts.size(), 1U);
    EXPECT_EQ(h.alerts[0].technique, Technique::ping_sweep);
    EXPECT_EQ(h.alerts[0].decided_by, "nmap-discovery");
    // The port scan that follows, with probes no fingerprint names (portwarden's own, say).
    double t = 0.1;
    for (std::uint16_t port = 1; port <= 100; ++port, t += 0.001) {
        Probe p = tcp(kScanner, port, net::kTcpSyn, t);
        p.options = {};
        p.window = 5840;
        h.detector.probe(p);
        h.detector.answer(reply(kScanner, port, AnswerKind::rst, t));
    }
    h.detector.finish(t + 1);
    ASSERT_EQ(h.alerts.size(), 3U);  // decision, update, end
    const Alert& update = h.alerts[1];
    EXPECT_TRUE(update.update);
    EXPECT_FALSE(update.end);
    EXPECT_EQ(update.technique, Technique::syn);
    EXPECT_EQ(update.tool, Tool::unknown);
    EXPECT_EQ(update.decided_by, "trw");
    const Alert& end = h.alerts[2];
    EXPECT_TRUE(end.end);
    EXPECT_EQ(end.technique, Technique::syn);
    EXPECT_EQ(end.tool, Tool::unknown);
    EXPECT_EQ(end.decided_by, "nmap-discovery");
    EXPECT_EQ(end.ports, 103U);  // TCP 1-100 (80 among them), 443, ICMP echo and timestamp
    EXPECT_EQ(h.detector.stats().alerts, 1U);  // one scan
}

TEST(WatchLabel, NmapDiscoveryThenNmapSynScanNamesNmap) {
    Harness h;
    nmap_discovery(h.detector);
    double t = 0.1;
    for (std::uint16_t port = 1000; port < 1010; ++port, t += 0.001) {
        h.detector.probe(nmap_raw(port, net::kTcpSyn, t));
        h.detector.answer(reply(kScanner, port, AnswerKind::rst, t));
    }
    ASSERT_EQ(h.alerts.size(), 2U);
    EXPECT_EQ(h.alerts[1].technique, Technique::syn);
    EXPECT_EQ(h.alerts[1].tool, Tool::nmap);
}

TEST(WatchLabel, HostDiscoveryAloneStaysAPingSweep) {
    Harness h;
    nmap_discovery(h.detector);
    h.detector.probe(nmap_raw(443, net::kTcpSyn, 0.5));  // a retransmission, no scan
    h.detector.finish(2);
    ASSERT_EQ(h.alerts.size(), 2U);
    EXPECT_TRUE(h.alerts[1].end);
    EXPECT_EQ(h.alerts[1].technique, Technique::ping_sweep);
    EXPECT_EQ(h.alerts[1].tool, Tool::nmap);
}

// The distinct addresses one source tried: within 3 standard errors of the truth at every count
// up to 131,072 (198.18.0.0/15). It was linear counting over 256 bits alone, which read at most 1,420
// (256 ln 256): a sweep of a /16 read "1420 hosts".
TEST(WatchContacts, DistinctHostsIsRightFromOneToASlash15) {
    DistinctHosts hosts;
    std::uint32_t added = 0;
    for (const std::uint32_t n : {1U, 2U, 10U, 60U, 300U, 1000U, 1420U, 5000U, 65536U, 131072U}) {
        for (; added < n; ++added) {  // 198.18.0.0 + added
            hosts.add(hash_address(Address::from_v4(0xc6120000U + added)));
        }
        const double truth = n;
        const double error = n <= 300 ? 0.06 : 0.09;  // linear counting, then HyperLogLog
        EXPECT_NEAR(hosts.estimate(), truth, std::max(1.0, 3 * error * truth)) << n << " addresses";
    }
    for (std::uint32_t again = 0; again < 1000; ++again) {  // the same addresses again: no change
        hosts.add(hash_address(Address::from_v4(0xc6120000U + again)));
    }
    EXPECT_NEAR(hosts.estimate(), 131072.0, 3 * 0.09 * 131072);
}

TEST(WatchContacts, ASweepOfASlash16CountsItsHosts) {
    Harness h;
    double t = 0;
    for (std::uint32_t i = 0; i < 65536; ++i, t += 1e-5) {  // one port of each of 198.18.0.0/16
        Probe p = nmap_raw(80, net::kTcpSyn, t);
        p.dst = Address::from_v4(0xc6120000U + i);
        h.detector.probe(p);
    }
    h.detector.finish(t + 1);
    const Alert& end = end_of(h.alerts, kScanner);
    EXPECT_EQ(end.probes, 65536U);
    EXPECT_NEAR(end.hosts, 65536.0, 3 * 0.09 * 65536) << "saturated at 1,420 before";
}

}  // namespace
}  // namespace portwarden::watch

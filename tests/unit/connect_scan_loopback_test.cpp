// run_scan (connect engine) on loopback, end to end through the public API: ports this test
// opens on 127.0.0.1 (listening: open; bound but not listening: closed, the kernel refuses),
// with host discovery, several workers, and --max-rate. Unprivileged; only 127.0.0.1 is probed.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <vector>

#include "portwarden/scan.hpp"

namespace portwarden {
namespace {

// A TCP socket bound to 127.0.0.1 on a port the kernel picks; listening or not.
class LoopbackPort {
public:
    explicit LoopbackPort(bool listening) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        EXPECT_GE(fd_, 0);
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof sa;
        EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&sa), len), 0);
        EXPECT_EQ(::getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len), 0);
        port_ = ntohs(sa.sin_port);
        if (listening) {
            EXPECT_EQ(::listen(fd_, 128), 0);
        }
    }
    LoopbackPort(const LoopbackPort&) = delete;
    LoopbackPort& operator=(const LoopbackPort&) = delete;
    ~LoopbackPort() { ::close(fd_); }
    std::uint16_t port() const { return port_; }

private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
};

ScanRequest loopback_request(std::vector<std::uint16_t> ports) {
    ScanRequest r;
    EXPECT_TRUE(r.targets.add("127.0.0.1", TargetParseOptions{}).has_value());
    std::sort(ports.begin(), ports.end());
    ports.erase(std::unique(ports.begin(), ports.end()), ports.end());
    r.ports.tcp = std::move(ports);
    r.technique = Technique::connect;
    r.seed = 5;
    return r;
}

std::map<std::uint16_t, PortResult> scan(const ScanRequest& request, ScanSummary& summary, HostResult& host) {
    std::vector<HostResult> hosts;
    ScanCallbacks callbacks;
    callbacks.host_done = [&](const HostResult& h) { hosts.push_back(h); };
    auto result = run_scan(request, callbacks);
    EXPECT_TRUE(result.has_value());
    if (result) {
        summary = *result;
    }
    EXPECT_EQ(hosts.size(), 1U);
    std::map<std::uint16_t, PortResult> by_port;
    if (!hosts.empty()) {
        host = hosts.front();
        for (const PortResult& p : host.ports) {
            by_port[p.port] = p;
        }
    }
    return by_port;
}

TEST(ConnectScanLoopback, OpenAndClosedPortsWithDiscovery) {
    std::vector<std::unique_ptr<LoopbackPort>> open;
    std::vector<std::unique_ptr<LoopbackPort>> closed;
    std::vector<std::uint16_t> ports;
    for (int i = 0; i < 3; ++i) {
        open.push_back(std::make_unique<LoopbackPort>(true));
        ports.push_back(open.back()->port());
    }
    for (int i = 0; i < 5; ++i) {
        closed.push_back(std::make_unique<LoopbackPort>(false));
        ports.push_back(closed.back()->port());
    }
    ScanRequest request = loopback_request(ports);
    request.ping_ports = {closed.front()->port()};  // a refused connect proves the host up
    ScanSummary summary;
    HostResult host;
    const auto by_port = scan(request, summary, host);
    EXPECT_EQ(host.state, HostState::up);
    EXPECT_EQ(host.reason, Reason::conn_refused);
    EXPECT_TRUE(host.complete);
    ASSERT_EQ(by_port.size(), 8U);
    for (const auto& p : open) {
        EXPECT_EQ(by_port.at(p->port()).state, PortState::open);
        EXPECT_EQ(by_port.at(p->port()).reason, Reason::syn_ack);
    }
    for (const auto& p : closed) {
        EXPECT_EQ(by_port.at(p->port()).state, PortState::closed);
        EXPECT_EQ(by_port.at(p->port()).reason, Reason::conn_refused);
    }
    EXPECT_EQ(summary.ports_settled, 8U);
    EXPECT_EQ(summary.retransmissions, 0U);
    EXPECT_TRUE(summary.error.empty());
}

TEST(ConnectScanLoopback, MaxRateHoldsForTheWholeScanAcrossWorkers) {
    std::vector<std::unique_ptr<LoopbackPort>> closed;
    std::vector<std::uint16_t> ports;
    for (int i = 0; i < 300; ++i) {
        closed.push_back(std::make_unique<LoopbackPort>(false));
        ports.push_back(closed.back()->port());
    }
    ScanRequest request = loopback_request(ports);
    request.skip_host_discovery = true;
    request.workers = 3;
    request.timing.max_rate = 1500;  // 300 probes: at least ~190 ms (10 ms of burst), any worker count
    ScanSummary summary;
    HostResult host;
    const auto by_port = scan(request, summary, host);
    EXPECT_EQ(by_port.size(), request.ports.tcp.size());
    for (const auto& [port, p] : by_port) {
        EXPECT_EQ(p.state, PortState::closed) << port;
    }
    EXPECT_GE(summary.elapsed, std::chrono::milliseconds(180));
    EXPECT_LT(summary.elapsed, std::chrono::seconds(5));
}

}  // namespace
}  // namespace portwarden

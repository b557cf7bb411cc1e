// probe()/wait on loopback only: a listener we open ourselves and a port we know is closed.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "portwarden/probe.hpp"

using namespace portwarden;

namespace {

// Binds a TCP socket on 127.0.0.1 with an ephemeral port; listens only if asked.
struct LoopbackSocket {
    explicit LoopbackSocket(bool listening) {
        fd = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in sin{};
        sin.sin_family = AF_INET;
        sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        EXPECT_EQ(bind(fd, static_cast<sockaddr*>(static_cast<void*>(&sin)), sizeof sin), 0);
        socklen_t len = sizeof sin;
        getsockname(fd, static_cast<sockaddr*>(static_cast<void*>(&sin)), &len);
        port = ntohs(sin.sin_port);
        if (listening) {
            EXPECT_EQ(listen(fd, 16), 0);
        }
    }
    ~LoopbackSocket() { close(fd); }
    int fd = -1;
    std::uint16_t port = 0;
};

}  // namespace

TEST(Probe, OpenPortOnLoopback) {
    LoopbackSocket listener(true);
    const auto r = probe("127.0.0.1", listener.port, {});
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->state, PortState::open);
    EXPECT_EQ(r->reason, Reason::syn_ack);
    EXPECT_GT(r->rtt.count(), 0);
    EXPECT_NE(r->hint.find("is open"), std::string::npos);
}

TEST(Probe, ClosedPortOnLoopbackSaysNothingListens) {
    LoopbackSocket bound_not_listening(false);  // holds the port so nobody else listens on it
    const auto r = probe("127.0.0.1", bound_not_listening.port, {});
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->state, PortState::closed);
    EXPECT_EQ(r->reason, Reason::conn_refused);
    EXPECT_NE(r->hint.find("nothing listens on port"), std::string::npos) << r->hint;
    // The usual wrong binding for a loopback address is the other family's loopback.
    EXPECT_NE(r->hint.find("not only ::1"), std::string::npos) << r->hint;
}

TEST(Probe, IPv6Loopback) {
    const int fd = socket(AF_INET6, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    sin6.sin6_addr = in6addr_loopback;
    ASSERT_EQ(bind(fd, static_cast<sockaddr*>(static_cast<void*>(&sin6)), sizeof sin6), 0);
    ASSERT_EQ(listen(fd, 4), 0);
    socklen_t len = sizeof sin6;
    getsockname(fd, static_cast<sockaddr*>(static_cast<void*>(&sin6)), &len);
    const auto r = probe("::1", ntohs(sin6.sin6_port), {});
    close(fd);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->state, PortState::open);
    EXPECT_EQ(r->address.to_string(), "::1");
}

TEST(Probe, WaitReturnsOpenAtOnceAndClosedAtTimeout) {
    LoopbackSocket listener(true);
    WaitOptions options;
    options.timeout = std::chrono::milliseconds(2000);
    const auto open = wait_until_open("127.0.0.1", listener.port, options);
    ASSERT_TRUE(open);
    EXPECT_EQ(open->state, PortState::open);

    LoopbackSocket closed(false);
    options.timeout = std::chrono::milliseconds(600);
    options.interval = std::chrono::milliseconds(100);
    const auto start = std::chrono::steady_clock::now();
    const auto still_closed = wait_until_open("127.0.0.1", closed.port, options);
    const auto waited = std::chrono::steady_clock::now() - start;
    ASSERT_TRUE(still_closed);
    EXPECT_EQ(still_closed->state, PortState::closed);
    EXPECT_GE(waited, std::chrono::milliseconds(400));  // it kept trying until the deadline
}

TEST(Probe, HostPortParsing) {
    EXPECT_EQ(parse_host_port("db:5432")->host, "db");
    EXPECT_EQ(parse_host_port("[fd00::1]:22")->host, "fd00::1");
    EXPECT_EQ(parse_host_port("127.0.0.1:65535")->port, 65535);
    for (const char* bad : {"db", "db:", ":80", "db:0", "db:65536", "db:8o", "fd00::1:22", "[fd00::1]22", "[::1"}) {
        const auto r = parse_host_port(bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
    }
}

TEST(Probe, HintsAreActionable) {
    ProbeResult r;
    r.address = *Address::parse("198.18.1.10");
    r.port = 5432;
    r.state = PortState::filtered;
    r.reason = Reason::no_response;
    EXPECT_NE(hint_for(r).find("firewall drops"), std::string::npos);
    r.reason = Reason::admin_prohibited;
    r.reason_ip = Address::parse("198.18.0.1");
    EXPECT_NE(hint_for(r).find("reported by 198.18.0.1"), std::string::npos);
    r.state = PortState::closed;
    r.reason = Reason::conn_refused;
    r.reason_ip.reset();
    EXPECT_NE(hint_for(r).find("not only to 127.0.0.1 or ::1"), std::string::npos) << hint_for(r);
    r.address = *Address::parse("::1");
    EXPECT_NE(hint_for(r).find("::1 or ::, not only 127.0.0.1"), std::string::npos) << hint_for(r);
}

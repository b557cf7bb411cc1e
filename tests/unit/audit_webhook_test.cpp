// `audit --webhook`: the URL parser, the request bytes, the status line, and POSTs to servers on
// 127.0.0.1 run by the test (answering, refusing, silent). Only loopback is ever contacted.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "audit/webhook.hpp"

namespace portwarden::audit {
namespace {

struct GoodUrl {
    const char* url;
    const char* host;
    std::uint16_t port;
    const char* target;
    bool ipv6;
};

TEST(AuditWebhook, ParsesGoodUrls) {
    const std::array<GoodUrl, 8> cases{{
        {"http://127.0.0.1:8080/portwarden", "127.0.0.1", 8080, "/portwarden", false},
        {"http://127.0.0.1/", "127.0.0.1", 80, "/", false},
        {"http://localhost", "localhost", 80, "/", false},
        {"HTTP://LocalHost:9000/a/b?x=1&y=2", "LocalHost", 9000, "/a/b?x=1&y=2", false},
        {"http://[::1]:8080/hook", "::1", 8080, "/hook", true},
        {"http://[::1]/", "::1", 80, "/", true},
        {"http://relay.example.test:65535/p", "relay.example.test", 65535, "/p", false},
        {"http://127.0.0.1:1?q", "127.0.0.1", 1, "/?q", false},
    }};
    for (const GoodUrl& c : cases) {
        const auto u = parse_webhook_url(c.url);
        ASSERT_TRUE(u) << c.url << ": " << u.error().message;
        EXPECT_EQ(u->host, c.host) << c.url;
        EXPECT_EQ(u->port, c.port) << c.url;
        EXPECT_EQ(u->target, c.target) << c.url;
        EXPECT_EQ(u->ipv6_literal, c.ipv6) << c.url;
    }
}

TEST(AuditWebhook, RefusesBadUrls) {
    // url, a piece of the one-line message
    const std::array<std::pair<const char*, const char*>, 16> cases{{
        {"ftp://127.0.0.1/x", "unsupported scheme 'ftp'"},
        {"127.0.0.1:8080/x", "expected http[s]://HOST[:PORT][/PATH]"},
        {"http://", "no host"},
        {"http://:8080/x", "no host"},
        {"http://127.0.0.1:0/", "out of range"},
        {"http://127.0.0.1:65536/", "out of range"},
        {"http://127.0.0.1:/x", "bad port ''"},
        {"http://127.0.0.1:8o/x", "bad port '8o'"},
        {"http://127.0.0.1:123456/", "bad port '123456'"},
        {"http://[::1/x", "without ']'"},
        {"http://[zz::1]/", "bad IPv6 address 'zz::1'"},
        {"http://[::1]x/", "unexpected 'x'"},
        {"http://::1/", "must be in brackets"},
        {"http://user@127.0.0.1/", "USER@HOST"},
        {"http://300.1.1.1/", "bad host '300.1.1.1'"},
        {"http://127.0.0.1/a b", "printable ASCII"},
    }};
    for (const auto& [url, piece] : cases) {
        const auto u = parse_webhook_url(url);
        ASSERT_FALSE(u) << url;
        EXPECT_NE(u.error().message.find(piece), std::string::npos) << url << ": " << u.error().message;
        EXPECT_EQ(u.error().message.find('\n'), std::string::npos) << url;
    }
    EXPECT_FALSE(parse_webhook_url("http://127.0.0.1/x#frag"));
    EXPECT_FALSE(parse_webhook_url("http://bad_host/"));
    EXPECT_FALSE(parse_webhook_url("http://-x.test/"));
}

TEST(AuditWebhook, HttpsUrls) {
    const auto u = parse_webhook_url("https://hooks.example.test/p?x=1");
    ASSERT_TRUE(u) << u.error().message;
    EXPECT_TRUE(u->tls);
    EXPECT_EQ(u->port, 443);
    EXPECT_EQ(host_header(*u), "hooks.example.test");
    EXPECT_EQ(webhook_url_text(*u), "https://hooks.example.test/p?x=1");
    const auto v6 = parse_webhook_url("HTTPS://[::1]:8443");
    ASSERT_TRUE(v6);
    EXPECT_EQ(webhook_url_text(*v6), "https://[::1]:8443/");
    const auto plain = parse_webhook_url("http://[::1]/");
    ASSERT_TRUE(plain);
    EXPECT_FALSE(plain->tls);
    EXPECT_EQ(host_header(*plain), "[::1]");
    EXPECT_EQ(webhook_url_text(*parse_webhook_url("http://127.0.0.1:443/")), "http://127.0.0.1:443/");
}

// A TCP socket listening on 127.0.0.1 on a free port.
struct Listener {
    int fd = -1;
    std::uint16_t port = 0;
    Listener() {
        fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        EXPECT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&a), len), 0);
        EXPECT_EQ(::listen(fd, 4), 0);
        EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
        port = ntohs(a.sin_port);
    }
    ~Listener() { close(); }
    void close() {
        if (fd >= 0) {
            ::close(fd);
            fd = -1;
        }
    }
    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;
};

WebhookUrl loopback(std::uint16_t port) {
    auto u = parse_webhook_url("http://127.0.0.1:" + std::to_string(port) + "/hook");
    EXPECT_TRUE(u);
    return *u;
}

TEST(AuditWebhook, PostsToLoopbackServer) {
    Listener server;
    std::string received;
    std::thread peer([&] {
        const int c = ::accept(server.fd, nullptr, nullptr);
        std::array<char, 4096> buf{};
        ssize_t n = 0;
        while (received.find("\r\n\r\n{}") == std::string::npos && (n = ::recv(c, buf.data(), buf.size(), 0)) > 0) {
            received.append(buf.data(), static_cast<std::size_t>(n));
        }
        const std::string reply = "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n";
        EXPECT_EQ(::send(c, reply.data(), reply.size(), MSG_NOSIGNAL), static_cast<ssize_t>(reply.size()));
        ::close(c);
    });
    WebhookOptions options;
    options.authorization = "Bearer s3cret";
    const auto status = post_webhook(loopback(server.port), "{}", std::chrono::seconds(5), options);
    peer.join();
    ASSERT_TRUE(status) << status.error().message;
    EXPECT_EQ(*status, 202);
    EXPECT_EQ(received.substr(0, received.find("\r\n")), "POST /hook HTTP/1.1");
    for (const std::string& header : {"Host: 127.0.0.1:" + std::to_string(server.port), std::string("User-Agent: portwarden"),
                                     std::string("Content-Type: application/json"), std::string("Content-Length: 2"),
                                     std::string("Authorization: Bearer s3cret")}) {
        EXPECT_NE(received.find("\r\n" + header + "\r\n"), std::string::npos) << header << " in " << received;
    }
    EXPECT_EQ(received.find("Expect:"), std::string::npos) << received;
    EXPECT_EQ(received.substr(received.size() - 6), "\r\n\r\n{}");
}

TEST(AuditWebhook, ConnectionRefused) {
    std::uint16_t port = 0;
    {
        Listener gone;  // a port that was free a moment ago, now closed
        port = gone.port;
    }
    const auto status = post_webhook(loopback(port), "{}", std::chrono::seconds(5));
    ASSERT_FALSE(status);
    EXPECT_NE(status.error().message.find("cannot connect to 127.0.0.1:" + std::to_string(port)), std::string::npos)
        << status.error().message;
    EXPECT_NE(status.error().message.find("refused"), std::string::npos) << status.error().message;
}

TEST(AuditWebhook, AuthHeaderMustBeOneLine) {
    WebhookOptions options;
    options.authorization = "Bearer x\r\nX-Injected: 1";
    const auto status = post_webhook(loopback(9), "{}", std::chrono::seconds(1), options);
    ASSERT_FALSE(status);
    EXPECT_EQ(status.error().message, "PORTWARDEN_WEBHOOK_AUTH must be one line");
}

TEST(AuditWebhook, SilentServerTimesOut) {
    Listener silent;  // the kernel completes the handshake; nobody ever answers
    const auto start = std::chrono::steady_clock::now();
    const auto status = post_webhook(loopback(silent.port), "{}", std::chrono::milliseconds(300));
    ASSERT_FALSE(status);
    EXPECT_NE(status.error().message.find("timed out"), std::string::npos) << status.error().message;
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

}  // namespace
}  // namespace portwarden::audit

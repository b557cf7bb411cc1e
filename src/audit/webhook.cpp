// The webhook client: URL parsing, the request bytes, and one bounded POST over a TCP socket.
#include "audit/webhook.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <memory>
#include <system_error>

#include <fmt/format.h>

#include "output/format.hpp"

namespace portwarden::audit {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view usage_hint = "expected http://HOST[:PORT][/PATH]";
constexpr std::size_t max_response_bytes = 64 * 1024;  // only the status line is needed

std::string errno_text(int err) {
    return std::system_category().message(err);
}

bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

// A host name (RFC 1123 labels) or a dotted IPv4 address.
bool valid_host(const std::string& host) {
    if (host.empty() || host.size() > 253 || host.front() == '.' || host.front() == '-' ||
        host.find("..") != std::string::npos) {
        return false;
    }
    for (const char c : host) {
        if (!is_name_char(c)) {
            return false;
        }
    }
    if (host.find_first_not_of("0123456789.") == std::string::npos) {
        std::array<unsigned char, 4> v4{};
        return ::inet_pton(AF_INET, host.c_str(), v4.data()) == 1;  // all digits: must be an address
    }
    return true;
}

// Printable ASCII without spaces; a fragment (#) is never sent, so it is refused.
bool valid_target(std::string_view target) {
    for (const char c : target) {
        if (c <= ' ' || c >= 0x7f || c == '#') {
            return false;
        }
    }
    return true;
}

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

struct FdCloser {
    void operator()(const int* fd) const {
        ::close(*fd);
        delete fd;
    }
};
using OwnedFd = std::unique_ptr<int, FdCloser>;

// Waits for `events` on fd until the deadline.
Result<void> wait_until(int fd, short events, Clock::time_point deadline, std::string_view what) {
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) {
            return fail(fmt::format("{} timed out", what));
        }
        pollfd p{fd, events, 0};
        const int r = ::poll(&p, 1, static_cast<int>(left));
        if (r > 0) {
            return {};
        }
        if (r < 0 && errno != EINTR) {
            return fail(fmt::format("{}: {}", what, errno_text(errno)));
        }
    }
}

std::string numeric_address(const addrinfo& ai) {
    std::array<char, NI_MAXHOST> text{};
    if (::getnameinfo(ai.ai_addr, ai.ai_addrlen, text.data(), text.size(), nullptr, 0, NI_NUMERICHOST) != 0) {
        return "?";
    }
    return text.data();
}

// A connected non-blocking socket to one resolved address.
Result<OwnedFd> connect_one(const addrinfo& ai, Clock::time_point deadline) {
    const int raw = ::socket(ai.ai_family, ai.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai.ai_protocol);
    if (raw < 0) {
        return fail(errno_text(errno));
    }
    OwnedFd fd(new int(raw));
    if (::connect(raw, ai.ai_addr, ai.ai_addrlen) != 0 && errno != EINPROGRESS) {
        return fail(errno_text(errno));
    }
    if (auto w = wait_until(raw, POLLOUT, deadline, "connect"); !w) {
        return tl::unexpected(w.error());
    }
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(raw, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
        err = errno;
    }
    if (err != 0) {
        return fail(errno_text(err));
    }
    return fd;
}

// Tries every address the name resolves to, in order, within one connect time-out.
Result<OwnedFd> connect_to(const WebhookUrl& url, std::chrono::milliseconds timeout) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | (url.ipv6_literal ? AI_NUMERICHOST : 0);
    addrinfo* found = nullptr;
    const std::string port = std::to_string(url.port);
    if (const int rc = ::getaddrinfo(url.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
        return fail(fmt::format("cannot resolve '{}': {}", url.host, ::gai_strerror(rc)));
    }
    const std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> list(found, &::freeaddrinfo);
    const auto deadline = Clock::now() + timeout;
    std::string errors;
    for (const addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
        auto fd = connect_one(*ai, deadline);
        if (fd) {
            return fd;
        }
        errors += fmt::format("{}{}: {}", errors.empty() ? "" : "; ", numeric_address(*ai), fd.error().message);
    }
    return fail(fmt::format("cannot connect to {} ({})", host_header(url), errors));
}

Result<void> send_all(int fd, std::string_view data, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (!data.empty()) {
        const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n > 0) {
            data.remove_prefix(static_cast<std::size_t>(n));
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (auto w = wait_until(fd, POLLOUT, deadline, "sending the request"); !w) {
                return w;
            }
        } else if (n < 0 && errno != EINTR) {
            return fail(fmt::format("sending the request: {}", errno_text(errno)));
        }
    }
    return {};
}

// Reads until the status line is complete, the server closes, or the cap.
Result<std::string> read_status_line(int fd, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    std::string response;
    std::array<char, 4096> buf{};
    while (response.find('\n') == std::string::npos && response.size() < max_response_bytes) {
        const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
        if (n > 0) {
            response.append(buf.data(), static_cast<std::size_t>(n));
        } else if (n == 0) {
            break;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            if (auto w = wait_until(fd, POLLIN, deadline, "waiting for the response"); !w) {
                return tl::unexpected(w.error());
            }
        } else if (errno != EINTR) {
            return fail(fmt::format("reading the response: {}", errno_text(errno)));
        }
    }
    return response;
}

}  // namespace

Result<WebhookUrl> parse_webhook_url(std::string_view url) {
    const auto bad = [&](std::string_view why) { return fail(fmt::format("bad --webhook '{}': {}", url, why)); };
    const std::size_t sep = url.find("://");
    if (sep == std::string_view::npos) {
        return bad(usage_hint);
    }
    const std::string scheme = lower(url.substr(0, sep));
    if (scheme == "https") {
        return fail(fmt::format("--webhook '{}': https is not supported (no TLS here); post to a local relay "
                                "at http://127.0.0.1:PORT/... that forwards over TLS",
                                url));
    }
    if (scheme != "http") {
        return bad(fmt::format("unsupported scheme '{}', {}", scheme, usage_hint));
    }
    const std::string_view rest = url.substr(sep + 3);
    const std::size_t path_at = rest.find_first_of("/?");
    const std::string_view authority = rest.substr(0, path_at);
    WebhookUrl out;
    if (path_at != std::string_view::npos) {
        out.target = rest[path_at] == '?' ? std::string("/") : std::string();  // not "/" + ...: GCC 12 -O3 -Wrestrict
        out.target += rest.substr(path_at);
    }
    if (!valid_target(out.target)) {
        return bad("the path must be printable ASCII without spaces or '#'");
    }
    if (authority.find('@') != std::string_view::npos) {
        return bad("user names (USER@HOST) are not supported");
    }
    std::string_view port_text;
    bool has_port = false;
    if (!authority.empty() && authority.front() == '[') {
        const std::size_t close = authority.find(']');
        if (close == std::string_view::npos) {
            return bad("'[' without ']' around the IPv6 address");
        }
        out.host = std::string(authority.substr(1, close - 1));
        std::array<unsigned char, 16> v6{};
        if (::inet_pton(AF_INET6, out.host.c_str(), v6.data()) != 1) {
            return bad(fmt::format("bad IPv6 address '{}'", out.host));
        }
        out.ipv6_literal = true;
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty() && after.front() != ':') {
            return bad(fmt::format("unexpected '{}' after the IPv6 address", after));
        }
        has_port = !after.empty();
        port_text = has_port ? after.substr(1) : std::string_view();
    } else {
        const std::size_t colon = authority.find(':');
        out.host = std::string(authority.substr(0, colon));
        has_port = colon != std::string_view::npos;
        port_text = has_port ? authority.substr(colon + 1) : std::string_view();
        if (has_port && port_text.find(':') != std::string_view::npos) {
            return bad("an IPv6 address must be in brackets: http://[::1]:PORT/");
        }
        if (out.host.empty()) {
            return bad(fmt::format("no host, {}", usage_hint));
        }
        if (!valid_host(out.host)) {
            return bad(fmt::format("bad host '{}'", out.host));
        }
    }
    if (has_port) {
        if (port_text.empty() || port_text.size() > 5 || port_text.find_first_not_of("0123456789") != std::string_view::npos) {
            return bad(fmt::format("bad port '{}'", port_text));
        }
        const unsigned long port = std::stoul(std::string(port_text));
        if (port < 1 || port > 65535) {
            return bad(fmt::format("port {} is out of range 1-65535", port));
        }
        out.port = static_cast<std::uint16_t>(port);
    }
    return out;
}

std::string host_header(const WebhookUrl& url) {
    const std::string host = url.ipv6_literal ? "[" + url.host + "]" : url.host;
    return url.port == 80 ? host : fmt::format("{}:{}", host, url.port);
}

std::string webhook_request(const WebhookUrl& url, std::string_view body) {
    return fmt::format("POST {} HTTP/1.1\r\n"
                       "Host: {}\r\n"
                       "User-Agent: portwarden\r\n"
                       "Content-Type: application/json\r\n"
                       "Content-Length: {}\r\n"
                       "Connection: close\r\n"
                       "\r\n"
                       "{}",
                       url.target, host_header(url), body.size(), body);
}

Result<int> parse_status_line(std::string_view response) {
    const std::string_view line = response.substr(0, response.find_first_of("\r\n"));
    // "HTTP/1.1 200" at least: version, one space, three digits, then the end or a space.
    constexpr std::string_view prefix = "HTTP/1.";
    const bool shaped = line.size() >= 12 && line.substr(0, prefix.size()) == prefix && line[7] >= '0' && line[7] <= '9' && line[8] == ' ' &&
                        (line.size() == 12 || line[12] == ' ') &&
                        line.substr(9, 3).find_first_not_of("0123456789") == std::string_view::npos;
    if (!shaped) {
        return fail(fmt::format("not an HTTP response: '{}'", output::visible_text(line.substr(0, 40))));
    }
    return (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
}

Result<int> post_webhook(const WebhookUrl& url, std::string_view body, std::chrono::milliseconds timeout) {
    auto fd = connect_to(url, timeout);
    if (!fd) {
        return tl::unexpected(fd.error());
    }
    if (auto sent = send_all(**fd, webhook_request(url, body), timeout); !sent) {
        return tl::unexpected(sent.error());
    }
    auto response = read_status_line(**fd, timeout);
    if (!response) {
        return tl::unexpected(response.error());
    }
    if (response->empty()) {
        return fail("the server closed the connection without a response");
    }
    return parse_status_line(*response);
}

}  // namespace portwarden::audit

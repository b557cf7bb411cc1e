// The webhook URL: http:// or https://, a host (name, IPv4, [IPv6]), a port, a path.
#include <arpa/inet.h>

#include <array>

#include <fmt/format.h>

#include "audit/webhook.hpp"

namespace portwarden::audit {
namespace {

constexpr std::string_view usage_hint = "expected http[s]://HOST[:PORT][/PATH]";

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

}  // namespace

Result<WebhookUrl> parse_webhook_url(std::string_view url) {
    const auto bad = [&](std::string_view why) { return fail(fmt::format("bad --webhook '{}': {}", url, why)); };
    const std::size_t sep = url.find("://");
    if (sep == std::string_view::npos) {
        return bad(usage_hint);
    }
    const std::string scheme = lower(url.substr(0, sep));
    if (scheme != "http" && scheme != "https") {
        return bad(fmt::format("unsupported scheme '{}', {}", scheme, usage_hint));
    }
    const std::string_view rest = url.substr(sep + 3);
    const std::size_t path_at = rest.find_first_of("/?");
    const std::string_view authority = rest.substr(0, path_at);
    WebhookUrl out;
    out.tls = scheme == "https";
    out.port = out.tls ? 443 : 80;
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
    return url.port == (url.tls ? 443 : 80) ? host : fmt::format("{}:{}", host, url.port);
}

std::string webhook_url_text(const WebhookUrl& url) {
    return fmt::format("{}://{}{}", url.tls ? "https" : "http", host_header(url), url.target);
}

}  // namespace portwarden::audit

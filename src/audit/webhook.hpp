#pragma once
// `audit --webhook URL`: POSTs the JSON report to a plain-HTTP endpoint. A deliberately small
// HTTP/1.1 client over one TCP socket: http://HOST[:PORT][/PATH] only (no TLS: post to a local
// relay for https), one request, Connection: close, every step bounded by a time-out.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "portwarden/error.hpp"

namespace portwarden::audit {

struct WebhookUrl {
    std::string host;        // a name, an IPv4 address or an IPv6 address (without brackets)
    std::uint16_t port = 80;
    std::string target = "/";  // path and query, as sent on the request line
    bool ipv6_literal = false;
};

// Parses "http://HOST[:PORT][/PATH]"; HOST is a name, an IPv4 address or "[IPv6]". An https://
// URL is refused with a message that says to use a local relay.
Result<WebhookUrl> parse_webhook_url(std::string_view url);

// "HOST[:PORT]" as the Host header writes it (the port only when not 80, IPv6 in brackets).
std::string host_header(const WebhookUrl& url);

// The request bytes: POST, Host, Content-Type: application/json, Content-Length, Connection: close.
std::string webhook_request(const WebhookUrl& url, std::string_view body);

// Reads the status code from a response's status line ("HTTP/1.1 204 No Content"), if it has one.
Result<int> parse_status_line(std::string_view response);

// Resolves the host (every address getaddrinfo gives, in order), connects, sends the request
// and reads the status line; each of connect, send and receive is bounded by `timeout`.
// Returns the HTTP status; an error for a failure to resolve, connect, send or read.
Result<int> post_webhook(const WebhookUrl& url, std::string_view body,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace portwarden::audit

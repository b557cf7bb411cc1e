#pragma once
// `audit --webhook URL` and `watch --webhook URL`: POSTs JSON to an http:// or https:// endpoint
// through libcurl (TLS with the system's CA store or a given CA file, the usual proxy variables
// http_proxy/https_proxy/no_proxy, an Authorization header from the environment). One request,
// no redirects followed, connect and transfer bounded by time-outs.
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
    bool tls = false;          // https://
};

// Parses "http[s]://HOST[:PORT][/PATH]"; HOST is a name, an IPv4 address or "[IPv6]". The port
// defaults to 80 (http) or 443 (https).
Result<WebhookUrl> parse_webhook_url(std::string_view url);

// "HOST[:PORT]" as the Host header writes it (the port only when not the scheme's default,
// IPv6 in brackets).
std::string host_header(const WebhookUrl& url);

// The URL again, normalised: scheme://HOST[:PORT]/PATH.
std::string webhook_url_text(const WebhookUrl& url);

// What the environment adds to every POST (webhook_options_from_env() reads it).
struct WebhookOptions {
    std::string authorization;  // the Authorization header's value; empty: none sent
    std::string ca_file;        // a PEM CA bundle to verify the server with; empty: the system's
};

// PORTWARDEN_WEBHOOK_AUTH (e.g. "Bearer TOKEN": sent as "Authorization: Bearer TOKEN") and
// PORTWARDEN_WEBHOOK_CA, else CURL_CA_BUNDLE (a CA file, as the curl tool reads it).
// Proxies need nothing here: libcurl reads http_proxy, https_proxy and no_proxy itself.
WebhookOptions webhook_options_from_env();

// POSTs body (Content-Type: application/json) and returns the HTTP status; an error for a
// failure to resolve, connect, verify the certificate, send or read. The connection is bounded
// by `timeout`, the whole exchange by three times it.
Result<int> post_webhook(const WebhookUrl& url, std::string_view body,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10),
                         const WebhookOptions& options = webhook_options_from_env());

}  // namespace portwarden::audit

#pragma once
// For application developers: what state is HOST:PORT in, and what should I do about it?
//   auto r = portwarden::probe("db.internal", 5432, {});
//   if (r && r->state == PortState::closed) std::puts(r->hint.c_str());
#include <chrono>
#include <cstdint>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>

#include "portwarden/address.hpp"
#include "portwarden/error.hpp"
#include "portwarden/state.hpp"

namespace portwarden {

struct ProbeOptions {
    std::chrono::milliseconds timeout{3000};  // per attempt
    int retries = 1;                          // extra attempts when nothing answers
};

struct ProbeResult {
    Address address;                  // the address tried
    std::uint16_t port = 0;
    PortState state = PortState::filtered;
    Reason reason = Reason::unknown;
    std::optional<Address> reason_ip; // an ICMP error from another address (a router or firewall)
    std::chrono::microseconds rtt{0};
    std::string hint;                 // plain-language advice
};

// Splits "host:port", "[v6]:port", "v6-literal:port"? (no: v6 needs brackets). Error names the text.
struct HostPort {
    std::string host;
    std::uint16_t port = 0;
};
Result<HostPort> parse_host_port(std::string_view text);

// One TCP connect probe (with retries on silence). Errors only for unusable input
// (name does not resolve, bad address); every network outcome is a ProbeResult.
Result<ProbeResult> probe(std::string_view host, std::uint16_t port, const ProbeOptions& options);

// Plain-language advice for a result (what probe() puts in .hint).
std::string hint_for(const ProbeResult& result);

struct WaitOptions {
    std::chrono::milliseconds timeout{30000};   // overall
    std::chrono::milliseconds interval{250};    // between attempts
    std::chrono::milliseconds attempt_timeout{1000};
};

// Probes until the port is open or the timeout passes; returns the last result
// (state open on success). Stops early, returning the last result, if `stop` is requested.
Result<ProbeResult> wait_until_open(std::string_view host, std::uint16_t port,
                                    const WaitOptions& options, std::stop_token stop = {});

}  // namespace portwarden

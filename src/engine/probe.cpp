// probe() and wait_until_open(): one connect() probe through the scan engine, explained.
#include "portwarden/probe.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include <fmt/format.h>

#include "engine/connect/connect_run.hpp"
#include "portwarden/scan.hpp"
#include "portwarden/targets.hpp"

namespace portwarden {
namespace {

Result<Address> resolve_one(std::string_view host) {
    if (auto literal = Address::parse(host)) {
        return *literal;
    }
    TargetSet set;
    TargetParseOptions options;
    options.resolver = system_resolver();
    options.max_addresses = 1;
    if (auto added = set.add(host, options); !added) {
        return tl::unexpected(added.error());
    }
    if (set.size() != 1) {
        return fail(fmt::format("'{}' is not a single host", host));
    }
    return set.at(0);
}

std::string rtt_text(std::chrono::microseconds rtt) {
    return fmt::format("{:.2f} ms", static_cast<double>(rtt.count()) / 1000.0);
}

// The usual wrong binding for the address probed: a service on loopback bound to the other
// family's loopback ("localhost" is ::1 first on many systems), one elsewhere bound to loopback only.
std::string bind_advice(const Address& a) {
    const auto b = a.bytes();
    const bool v4_loopback = a.is_v4() && b[0] == 127;
    const bool v6_loopback = !a.is_v4() && std::all_of(b.begin(), b.end() - 1, [](std::uint8_t x) { return x == 0; }) &&
                             b.back() == 1;
    if (v4_loopback) {
        return fmt::format("{} or 0.0.0.0, not only ::1 or another address", a.to_string());
    }
    if (v6_loopback) {
        return "::1 or ::, not only 127.0.0.1 or another address";
    }
    return "not only to 127.0.0.1 or ::1";
}

}  // namespace

Result<HostPort> parse_host_port(std::string_view text) {
    std::string_view host;
    std::string_view port_text;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            return fail(fmt::format("bad HOST:PORT '{}': expected [IPv6]:PORT", text));
        }
        host = text.substr(1, close - 1);
        port_text = text.substr(close + 2);
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos) {
            return fail(fmt::format("bad HOST:PORT '{}': missing ':PORT'", text));
        }
        if (text.find(':') != colon) {
            return fail(fmt::format("bad HOST:PORT '{}': put an IPv6 address in brackets, e.g. [::1]:5432", text));
        }
        host = text.substr(0, colon);
        port_text = text.substr(colon + 1);
    }
    if (host.empty()) {
        return fail(fmt::format("bad HOST:PORT '{}': empty host", text));
    }
    if (port_text.empty() || port_text.size() > 5 ||
        port_text.find_first_not_of("0123456789") != std::string_view::npos) {
        return fail(fmt::format("bad port '{}' in '{}': expected a number 1-65535", port_text, text));
    }
    const unsigned long value = std::stoul(std::string(port_text));
    if (value < 1 || value > 65535) {
        return fail(fmt::format("bad port '{}' in '{}': out of range 1-65535", port_text, text));
    }
    return HostPort{std::string(host), static_cast<std::uint16_t>(value)};
}

std::string hint_for(const ProbeResult& r) {
    const std::string where = fmt::format("{}:{}", r.address.to_string(), r.port);
    const std::string by = r.reason_ip ? fmt::format(" (reported by {})", r.reason_ip->to_string()) : "";
    switch (r.state) {
        case PortState::open:
            return fmt::format("{} is open: a service accepts connections (round trip {})", where, rtt_text(r.rtt));
        case PortState::closed:
            return fmt::format("host {} is reachable, but nothing listens on port {}: is the service running, "
                               "and bound to this address ({})?",
                               r.address.to_string(), r.port, bind_advice(r.address));
        default:
            break;
    }
    switch (r.reason) {
        case Reason::port_unreach:
        case Reason::admin_prohibited:
        case Reason::host_prohibited:
        case Reason::net_prohibited:
            return fmt::format("a firewall rejects connections to {}{} ({}): allow the port in its rules", where,
                               by, to_string(r.reason));
        case Reason::host_unreach:
        case Reason::net_unreach:
        case Reason::no_route:
            return fmt::format("no route to {}{} ({}): the host is down or the network path is broken",
                               r.address.to_string(), by, to_string(r.reason));
        case Reason::no_response:
            return fmt::format("no answer from {}: a firewall drops the packets, or the host is down "
                               "(or the address is wrong)",
                               where);
        default:
            break;
    }
    return fmt::format("{} is {} ({}){}", where, to_string(r.state), to_string(r.reason), by);
}

Result<ProbeResult> probe(std::string_view host, std::uint16_t port, const ProbeOptions& options) {
    auto address = resolve_one(host);
    if (!address) {
        return tl::unexpected(address.error());
    }
    Timing timing;
    const auto attempt = std::chrono::duration_cast<std::chrono::microseconds>(options.timeout);
    timing.initial_rtt_timeout = attempt;
    timing.min_rtt_timeout = attempt;
    timing.max_rtt_timeout = attempt;
    timing.max_retries = std::max(0, options.retries);

    std::vector<engine::HostRun> hosts(1);
    hosts[0].address = *address;
    const std::array<std::uint16_t, 1> ports{port};
    engine::RunOptions run_options;
    run_options.randomize = false;
    run_options.socket_budget = 16;
    run_options.workers = 1;
    const auto run = engine::run_connect_probes(hosts, ports, timing, run_options, engine::RunHooks{}, {});
    if (!run.fatal_error.empty()) {
        return fail(run.fatal_error);
    }
    const engine::Settled& s = hosts[0].ports.at(0);
    ProbeResult result;
    result.address = *address;
    result.port = port;
    result.state = s.state;
    result.reason = s.reason;
    result.rtt = std::chrono::microseconds(s.rtt_us);
    if (s.has_reason_ip) {
        result.reason_ip = s.reason_ip;
    }
    result.hint = hint_for(result);
    return result;
}

Result<ProbeResult> wait_until_open(std::string_view host, std::uint16_t port, const WaitOptions& options,
                                    std::stop_token stop) {
    using clock = std::chrono::steady_clock;
    const auto deadline = clock::now() + options.timeout;
    ProbeOptions attempt;
    attempt.retries = 0;
    std::mutex mutex;
    std::condition_variable_any wake;
    while (true) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
        attempt.timeout = std::clamp(left, std::chrono::milliseconds(1), options.attempt_timeout);
        auto result = probe(host, port, attempt);
        if (!result || result->state == PortState::open) {
            return result;
        }
        if (clock::now() + options.interval >= deadline || stop.stop_requested()) {
            return result;
        }
        std::unique_lock lock(mutex);
        wake.wait_for(lock, stop, options.interval, [] { return false; });
    }
}

}  // namespace portwarden

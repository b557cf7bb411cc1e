// `portwarden probe HOST:PORT` and `portwarden wait HOST:PORT`: for application developers.
// Exit codes (documented in the README):
//   0 open · 1 closed (connection refused) · 3 filtered or unreachable · 2 bad input
#include <cstring>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/cli11_parse.hpp"
#include "cli/commands.hpp"
#include "cli/nmap_args.hpp"
#include "cli/signals.hpp"
#include "portwarden/probe.hpp"
#include "portwarden/state.hpp"

namespace portwarden::cli {
namespace {

constexpr int exit_closed = 1;
constexpr int exit_filtered = 3;

int exit_for(const ProbeResult& r) {
    switch (r.state) {
        case PortState::open: return exit_ok;
        case PortState::closed: return exit_closed;
        default: return exit_filtered;
    }
}

void print_result(const ProbeResult& r, bool json) {
    if (json) {
        nlohmann::ordered_json j;
        j["host"] = r.address.to_string();
        j["port"] = r.port;
        j["proto"] = "tcp";
        j["state"] = to_string(r.state);
        j["reason"] = to_string(r.reason);
        if (r.reason_ip) {
            j["reason_ip"] = r.reason_ip->to_string();
        }
        j["rtt_us"] = r.rtt.count();
        j["hint"] = r.hint;
        fmt::print("{}\n", j.dump());
        return;
    }
    const std::string from = r.reason_ip ? fmt::format(" from {}", r.reason_ip->to_string()) : "";
    fmt::print("{}/tcp on {}: {} ({}{})", r.port, r.address.to_string(), to_string(r.state), to_string(r.reason),
               from);
    if (r.rtt.count() > 0) {
        fmt::print(", rtt {:.2f} ms", static_cast<double>(r.rtt.count()) / 1000.0);
    }
    fmt::print("\nhint: {}\n", r.hint);
}

Result<std::chrono::milliseconds> millis(const std::string& flag, const std::string& text) {
    auto d = parse_duration(text);
    if (!d) {
        return fail(fmt::format("{}: {}", flag, d.error().message));
    }
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
    if (ms.count() <= 0) {
        return fail(fmt::format("{}: '{}' is too short (at least 1ms)", flag, text));
    }
    return ms;
}

}  // namespace

int probe_command(const std::vector<std::string>& args) {
    CLI::App app{"portwarden probe HOST:PORT: is the port open, closed or filtered, and what to do about it",
                 "portwarden probe"};
    std::string target;
    std::string timeout = "3s";
    int retries = 1;
    bool json = false;
    app.add_option("target", target, "HOST:PORT or [IPv6]:PORT")->required();
    app.add_option("--timeout", timeout, "time to wait for an answer per attempt (e.g. 500ms, 3s)");
    app.add_option("--retries", retries, "extra attempts when nothing answers")->check(CLI::Range(0, 20));
    app.add_flag("--json", json, "one JSON object instead of text");
    if (auto code = parse_or_exit(app, args)) {
        return *code;
    }
    auto hp = parse_host_port(target);
    if (!hp) {
        return bad_input(hp.error().message);
    }
    auto t = millis("--timeout", timeout);
    if (!t) {
        return bad_input(t.error().message);
    }
    ProbeOptions options;
    options.timeout = *t;
    options.retries = retries;
    auto r = probe(hp->host, hp->port, options);
    if (!r) {
        return bad_input(r.error().message);
    }
    print_result(*r, json);
    return exit_for(*r);
}

int wait_command(const std::vector<std::string>& args) {
    CLI::App app{"portwarden wait HOST:PORT: wait until the port is open (exit 0), or say why not", "portwarden wait"};
    std::string target;
    std::string timeout = "30s";
    std::string interval = "250ms";
    bool quiet = false;
    bool json = false;
    app.add_option("target", target, "HOST:PORT or [IPv6]:PORT")->required();
    app.add_option("--timeout", timeout, "give up after this long (e.g. 30s, 2m)");
    app.add_option("--interval", interval, "pause between attempts");
    app.add_flag("-q,--quiet", quiet, "print nothing; use the exit code");
    app.add_flag("--json", json, "print the final result as JSON");
    if (auto code = parse_or_exit(app, args)) {
        return *code;
    }
    auto hp = parse_host_port(target);
    if (!hp) {
        return bad_input(hp.error().message);
    }
    auto total = millis("--timeout", timeout);
    if (!total) {
        return bad_input(total.error().message);
    }
    auto pause = millis("--interval", interval);
    if (!pause) {
        return bad_input(pause.error().message);
    }
    WaitOptions options;
    options.timeout = *total;
    options.interval = *pause;
    options.attempt_timeout = std::min(options.timeout, std::chrono::milliseconds(1000));
    SignalStop signals;
    auto r = wait_until_open(hp->host, hp->port, options, signals.token());
    if (!r) {
        return bad_input(r.error().message);
    }
    if (!quiet) {
        if (r->state != PortState::open && !json) {
            if (signals.signal_received() != 0) {
                fmt::print("interrupted ({}) before the port opened: ", strsignal(signals.signal_received()));
            } else {
                fmt::print("timed out after {}: ", timeout);
            }
        }
        print_result(*r, json);
    }
    if (signals.signal_received() != 0 && r->state != PortState::open) {
        return 128 + signals.signal_received();
    }
    return exit_for(*r);
}

}  // namespace portwarden::cli

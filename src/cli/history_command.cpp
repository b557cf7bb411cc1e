// `portwarden history`: what the history database knows.
//   history                         the recorded scans (then the named scans of shards)
//   history --audits                the recorded audits (verdict, findings, policy, scan)
//   history HOST PORT[/PROTO]       that port's timeline ("open since ..., was closed before")
//   history --new-since DATE        ports that opened since DATE (YYYY-MM-DD, UTC)
//   history --flapping [--since DATE] [--min N]   ports that changed state more than N times
//   history --versions-since DATE   ports whose -sV service or version changed since DATE
// Exit codes: 0, 2 bad input or an unreadable database (one line on stderr).
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/cli11_parse.hpp"
#include "cli/commands.hpp"
#include "cli/scan_source.hpp"
#include "output/format.hpp"
#include "portwarden/history.hpp"

namespace portwarden::cli {
namespace {

std::string when(HistoryTime t) { return output::iso_utc(t); }

Result<HistoryTime> parse_day(const std::string& text, const char* flag) {
    std::tm tm{};
    const char* end = strptime(text.c_str(), "%Y-%m-%d", &tm);
    if (end == nullptr || *end != '\0') {
        return fail(fmt::format("{} '{}': expected a date YYYY-MM-DD", flag, text));
    }
    return std::chrono::system_clock::from_time_t(timegm(&tm));
}

// What an audit read: "scan @12", "scan @NAME" (a named scan's shards, merged) or "from a file".
std::string audit_source(const AuditRecord& a) {
    if (a.scan_name) {
        return fmt::format("scan @{}", *a.scan_name);
    }
    return a.scan_id ? fmt::format("scan @{}", *a.scan_id) : std::string("from a file");
}

// One line per audit: @id, time, verdict, finding count, policy, and its scan.
int list_audits(HistoryStore& h) {
    auto audits = h.list_audits();
    if (!audits) {
        return bad_input(audits.error().message);
    }
    for (const auto& a : *audits) {
        fmt::print("@{}  {}  {}  {} finding{}  {}  {}\n", a.id, when(a.time), a.verdict, a.finding_count,
                   a.finding_count == 1 ? "" : "s", a.policy, audit_source(a));
    }
    return exit_ok;
}

// The scans recorded by shards (scan --scan-id NAME --shard I/N): one line each, after the
// shard rows; `@NAME` reads one (diff, report, audit --from).
void print_named_scans(const std::vector<NamedScan>& named) {
    for (const NamedScan& n : named) {
        const std::size_t finished = n.shard_count - n.missing.size();
        fmt::print("@{}  {}  {}  {} of {} shard{} finished{}  shard scans @{}\n", n.name, when(n.start_time),
                   n.technique.empty() ? "-" : n.technique, finished, n.shard_count, n.shard_count == 1 ? "" : "s",
                   n.complete() ? std::string()
                                : fmt::format("  INCOMPLETE: shard(s) {} missing", fmt::join(n.missing, ", ")),
                   fmt::join(n.scan_ids, " @"));
    }
}

// "OpenSSH 9.2p1 → 9.3p1", "http → SimpleHTTPServer 0.6", "nginx 1.22.1 (Ubuntu → Debian)".
std::string service_change_text(const ServiceRecord& a, const ServiceRecord& b) {
    if (a.name == b.name && a.product == b.product && a.tunnel == b.tunnel && !a.product.empty()) {
        if (a.version != b.version) {
            return fmt::format("{} {} → {}", a.product, a.version.empty() ? "(no version)" : a.version,
                               b.version.empty() ? "(no version)" : b.version);
        }
        return fmt::format("{} ({} → {})", a.label(), a.extrainfo, b.extrainfo);
    }
    const auto full = [](const ServiceRecord& s) { return (s.tunnel.empty() ? "" : s.tunnel + "/") + s.label(); };
    return fmt::format("{} → {}", full(a), full(b));
}

int list_service_changes(HistoryStore& h, HistoryTime since) {
    auto changes = h.service_changes(since);
    if (!changes) {
        return bad_input(changes.error().message);
    }
    for (const ServiceChange& c : *changes) {
        const ServiceRecord& s = c.after.service;
        fmt::print("{}/{} on {}: {} (scan @{} → @{}, {})\n", s.port, to_string(s.proto), s.host.to_string(),
                   service_change_text(c.before.service, s), c.before.scan_id, c.after.scan_id, when(c.after.time));
    }
    return exit_ok;
}

// A port's -sV observations under its state timeline, each change marked.
void print_service_timeline(HistoryStore& h, const Address& host, Proto proto, std::uint16_t port) {
    auto seen = h.service_timeline(host, proto, port);
    if (!seen || seen->empty()) {
        return;
    }
    fmt::print("  service (-sV): {}\n", seen->back().service.tunnel.empty() ? seen->back().service.label()
                                                                        : "ssl/" + seen->back().service.label());
    for (std::size_t i = 0; i < seen->size(); ++i) {
        const ServiceObservation& o = (*seen)[i];
        fmt::print("  @{}  {}  {}{}\n", o.scan_id, when(o.time), o.service.name.empty() ? "?" : o.service.name,
                   i == 0 ? fmt::format("  {}", o.service.label())
                          : fmt::format("  {}", service_change_text((*seen)[i - 1].service, o.service)));
    }
}

// The flags of `portwarden history`.
struct HistoryArgs {
    std::string db;
    std::vector<std::string> what;
    std::string new_since;
    std::string since;
    bool flapping = false;
    bool audits = false;
    std::int64_t min_changes = 1;
    std::string versions_since;
};

void add_history_flags(CLI::App& app, HistoryArgs& a) {
    app.add_option("what", a.what, "HOST PORT[/tcp|/udp]: that port's timeline (nothing: list the scans)");
    app.add_option("--db", a.db, "history database: PATH or postgresql://... (default: the user's)");
    app.add_option("--new-since", a.new_since, "ports that opened since this day (YYYY-MM-DD, UTC)");
    app.add_option("--versions-since", a.versions_since,
                   "ports whose -sV service or version changed since this day (YYYY-MM-DD, UTC)");
    app.add_flag("--audits", a.audits, "the stored audits: @id, time, verdict, findings, policy, scan");
    app.add_flag("--flapping", a.flapping, "ports whose state changed more than --min times (since --since)");
    app.add_option("--since", a.since, "with --flapping: from this day (default: all)");
    app.add_option("--min", a.min_changes, "with --flapping: more than this many changes (default 1)");
}

// The flag combinations history refuses: the exit code, or nullopt when the flags go together.
std::optional<int> check_history_args(const CLI::App& app, const HistoryArgs& a) {
    if (auto code = reject_empty(app, "--db", a.db)) {
        return *code;
    }
    if (!a.flapping && (app.count("--since") > 0 || app.count("--min") > 0)) {
        return bad_input(fmt::format("{} goes with --flapping (history --flapping {} ...)",
                                     app.count("--since") > 0 ? "--since" : "--min",
                                     app.count("--since") > 0 ? "--since" : "--min"));
    }
    if (a.min_changes < 0) {
        return bad_input(fmt::format("bad --min '{}': expected a number of changes, 0 or more", a.min_changes));
    }
    // The dates are checked before the database is looked for: a bad one is an error even
    // when there is no history yet.
    for (const auto& [flag, text] : {std::pair{"--new-since", &a.new_since}, std::pair{"--versions-since", &a.versions_since},
                                     std::pair{"--since", &a.since}}) {
        if (app.count(flag) > 0) {
            if (auto day = parse_day(*text, flag); !day) {
                return bad_input(day.error().message);
            }
        }
    }
    return std::nullopt;
}

// history --new-since DATE: the ports that opened since DATE.
int list_newly_open(HistoryStore& h, const std::string& new_since) {
    auto day = parse_day(new_since, "--new-since");
    if (!day) {
        return bad_input(day.error().message);
    }
    auto opened = h.newly_open(*day);
    if (!opened) {
        return bad_input(opened.error().message);
    }
    for (const auto& c : *opened) {
        fmt::print("{}/{} on {}: open since {} (scan @{})\n", c.port, to_string(c.proto), c.host.to_string(),
                   when(c.time), c.scan_id);
    }
    return exit_ok;
}

// history --flapping [--since DATE] [--min N]: the ports that changed state more than N times.
int list_flapping(HistoryStore& h, const std::string& since, std::int64_t min_changes) {
    HistoryTime from{};
    if (!since.empty()) {
        auto day = parse_day(since, "--since");
        if (!day) {
            return bad_input(day.error().message);
        }
        from = *day;
    }
    auto flaps = h.flapping(from, std::chrono::system_clock::now(), min_changes);
    if (!flaps) {
        return bad_input(flaps.error().message);
    }
    for (const auto& c : *flaps) {
        fmt::print("{}/{} on {}: {} state changes\n", c.port, to_string(c.proto), c.host.to_string(), c.changes);
    }
    return exit_ok;
}

// history (no argument): one line per recorded scan, then the named scans of shards.
int list_scans(HistoryStore& h) {
    auto scans = h.list_scans();
    if (!scans) {
        return bad_input(scans.error().message);
    }
    auto named = h.list_named_scans();
    if (!named) {
        return bad_input(named.error().message);
    }
    for (const auto& s : *scans) {
        // A scan's row is written with its first hosts and its end time set when it ends:
        // one whose end equals its start is still running, or its process was killed.
        const bool unfinished = s.info.end_time == s.info.start_time;
        fmt::print("@{}  {}  {}  {}{} hosts, {} open ports  {}\n", s.id, when(s.info.start_time),
                   s.info.technique.empty() ? "-" : s.info.technique, unfinished ? "UNFINISHED (killed or running): " : "",
                   s.hosts, s.open_ports, s.info.command_line);
    }
    print_named_scans(*named);
    return exit_ok;
}

// The port `history HOST PORT[/PROTO]` names.
struct PortArg {
    Address host;
    Proto proto;
    std::uint16_t port;
};

Result<PortArg> parse_port_arg(const std::vector<std::string>& what) {
    if (what.size() != 2) {
        return fail("history takes HOST PORT[/PROTO] (or nothing, --new-since, --flapping)");
    }
    auto host = Address::parse(what[0]);
    if (!host) {
        return fail(fmt::format("history: bad address '{}'", what[0]));
    }
    const auto slash = what[1].find('/');
    const std::string proto_text = slash == std::string::npos ? "tcp" : what[1].substr(slash + 1);
    const auto proto = parse_proto(proto_text);
    unsigned port = 0;
    const std::string port_text = what[1].substr(0, slash);
    if (!proto || port_text.empty() || port_text.size() > 5 ||
        port_text.find_first_not_of("0123456789") != std::string::npos || (port = static_cast<unsigned>(std::stoul(port_text))) == 0 ||
        port > 65535) {
        return fail(fmt::format("history: bad port '{}': expected PORT or PORT/tcp, PORT/udp", what[1]));
    }
    return PortArg{*host, *proto, static_cast<std::uint16_t>(port)};
}

// history HOST PORT[/PROTO]: the port's current state and since when, every observation, then
// its -sV observations.
int show_port_timeline(HistoryStore& h, const std::vector<std::string>& what) {
    auto arg = parse_port_arg(what);
    if (!arg) {
        return bad_input(arg.error().message);
    }
    auto seen = h.timeline(arg->host, arg->proto, arg->port);
    if (!seen) {
        return bad_input(seen.error().message);
    }
    const std::string name = fmt::format("{}/{} on {}", arg->port, to_string(arg->proto), arg->host.to_string());
    if (seen->empty()) {
        fmt::print("{}: never scanned\n", name);
        return exit_ok;
    }
    // The current state and since when; then the earlier ones, newest first.
    std::size_t i = seen->size() - 1;
    while (i > 0 && (*seen)[i - 1].state == seen->back().state) {
        --i;
    }
    fmt::print("{}: {} since {} (scan @{})", name, to_string(seen->back().state), when((*seen)[i].time),
               (*seen)[i].scan_id);
    if (i > 0) {
        fmt::print(", was {} before", to_string((*seen)[i - 1].state));
    }
    fmt::print("\n");
    for (const auto& o : *seen) {
        fmt::print("  @{}  {}  {} {}\n", o.scan_id, when(o.time), to_string(o.state), to_string(o.reason));
    }
    print_service_timeline(h, arg->host, arg->proto, arg->port);
    return exit_ok;
}

// The query the flags ask for (the first of --new-since, --versions-since, --flapping, --audits,
// the scan list, a port's timeline).
int run_history_query(HistoryStore& h, const HistoryArgs& a) {
    if (!a.new_since.empty()) {
        return list_newly_open(h, a.new_since);
    }
    if (!a.versions_since.empty()) {
        auto day = parse_day(a.versions_since, "--versions-since");
        if (!day) {
            return bad_input(day.error().message);
        }
        return list_service_changes(h, *day);
    }
    if (a.flapping) {
        return list_flapping(h, a.since, a.min_changes);
    }
    if (a.audits) {
        return list_audits(h);
    }
    if (a.what.empty()) {
        return list_scans(h);
    }
    return show_port_timeline(h, a.what);
}

}  // namespace

int history_command(const std::vector<std::string>& args) {
    CLI::App app{"portwarden history: the scans the history database holds, a port's timeline, drift",
                 "portwarden history"};
    HistoryArgs a;
    add_history_flags(app, a);
    if (auto code = parse_or_exit(app, args)) {
        return *code;
    }
    if (auto code = check_history_args(app, a)) {
        return *code;
    }
    std::string url = a.db;
    if (url.empty()) {
        auto path = default_history_path();
        if (!path) {
            return bad_input(path.error().message);
        }
        url = path->string();
        if (!std::filesystem::exists(*path)) {  // no scan stored yet: nothing to list, nothing created
            fmt::print(stderr, "portwarden: no history yet ({} does not exist; every scan is stored there)\n", url);
            return exit_ok;
        }
    }
    auto store = open_existing_history(url);
    if (!store) {
        return bad_input(store.error().message);
    }
    return run_history_query(**store, a);
}

}  // namespace portwarden::cli

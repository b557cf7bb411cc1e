// `portwarden scan`: nmap-compatible flags -> ScanRequest -> writers.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <future>
#include <memory>
#include <mutex>

#include <fmt/format.h>

#include "cli/cli11_parse.hpp"
#include "cli/commands.hpp"
#include "cli/discovery_args.hpp"
#include "cli/history_record.hpp"
#include "cli/nmap_args.hpp"
#include "cli/nmap_habits.hpp"
#include "cli/output_files.hpp"
#include "cli/progress.hpp"
#include "cli/resume_file.hpp"
#include "cli/scan_checks.hpp"
#include "cli/signals.hpp"
#include "portwarden/merge.hpp"
#include "cli/version_args.hpp"
#include "portwarden/ports.hpp"
#include "portwarden/scan.hpp"
#include "portwarden/services.hpp"
#include "portwarden/targets.hpp"

namespace portwarden::cli {
namespace {

struct ScanArgs {
    std::string technique;  // empty: SYN when raw sockets are permitted, else connect
    std::string scan_flags;  // --scanflags (raw TCP scans; replies read as -sS unless -s says)
    bool scan_flags_given = false;
    std::string ports;
    bool ports_given = false;       // -p given (even empty)
    bool other_protocol_ports = false;  // ScanHooks::other_protocol_ports
    std::string top_ports;
    std::vector<std::string> targets;
    std::string input_list;
    std::vector<std::string> exclude;
    std::string exclude_file;
    std::string exclude_ports;
    bool skip_discovery = false;
    DiscoveryArgs discovery;  // -sn, -P*, --traceroute
    VersionArgs version;      // -sV
    bool no_dns = false;
    bool reverse_dns = false;
    bool ipv6 = false;
    bool sequential = false;
    bool quiet = false;
    std::string timing_level;
    std::string max_retries;
    std::string min_rtt;
    std::string max_rtt;
    std::string initial_rtt;
    std::string host_timeout;
    std::string scan_delay;
    std::string max_rate;
    std::string min_rate;
    int max_parallelism = 0;
    std::string seed;
    std::string shard;
    std::string scan_id;  // --scan-id: the logical scan this shard belongs to
    std::string resume;
    std::string resume_file = "portwarden.resume";
    std::string db;           // --db: the history database (empty: the user's default)
    bool no_history = false;  // --no-history
    bool no_reprobe = false;  // --no-reprobe
    bool list_only = false;   // -sL
    int debug = 0;            // -d, -dd, -d2
    std::string stats_every;  // --stats-every TIME
    std::string min_hostgroup;
    std::string max_hostgroup;
    std::string interface;       // -e
    std::string source_address;  // -S
    std::string source_port;     // -g, --source-port
    std::string ttl;             // --ttl
    bool packet_trace = false;   // --packet-trace
    bool no_responder_analysis = false;  // --no-responder-analysis
    OutputArgs outputs;
};

Result<Technique> technique_named(const std::string& name) {
    for (int i = 0; i < technique_count; ++i) {
        const auto t = static_cast<Technique>(i);
        if (to_string(t) == name && !is_ping_technique(t)) {  // pings are -PE/-PP, not scan types
            return t;
        }
    }
    return fail(fmt::format("unknown scan technique '{}'", name));
}

Result<int> timing_level(const std::string& text) {
    static constexpr std::array<std::string_view, 6> names{"paranoid", "sneaky", "polite",
                                                            "normal",   "aggressive", "insane"};
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (text == names.at(i) || text == std::to_string(i)) {
            return static_cast<int>(i);
        }
    }
    return fail(fmt::format("bad timing template '-T{}': expected 0-5 or paranoid|sneaky|polite|normal|"
                            "aggressive|insane",
                            text));
}

Result<void> apply_duration(const std::string& flag, const std::string& text, std::chrono::microseconds& field) {
    if (text.empty()) {
        return {};
    }
    auto d = parse_duration(text);
    if (!d) {
        return fail(fmt::format("{}: {}", flag, d.error().message));
    }
    field = *d;
    return {};
}

Result<Timing> build_timing(const ScanArgs& a) {
    Timing t;
    if (!a.timing_level.empty()) {
        auto level = timing_level(a.timing_level);
        if (!level) {
            return tl::unexpected(level.error());
        }
        t = Timing::from_template(*level);
    }
    for (const auto& [flag, text, field] :
         {std::tuple{"--min-rtt-timeout", a.min_rtt, &t.min_rtt_timeout},
          std::tuple{"--max-rtt-timeout", a.max_rtt, &t.max_rtt_timeout},
          std::tuple{"--initial-rtt-timeout", a.initial_rtt, &t.initial_rtt_timeout},
          std::tuple{"--host-timeout", a.host_timeout, &t.host_timeout},
          std::tuple{"--scan-delay", a.scan_delay, &t.scan_delay}}) {
        if (auto r = apply_duration(flag, text, *field); !r) {
            return tl::unexpected(r.error());
        }
    }
    if (!a.max_retries.empty()) {
        auto retries = parse_max_retries(a.max_retries);
        if (!retries) {
            return tl::unexpected(retries.error());
        }
        t.max_retries = *retries;
    }
    if (t.min_rtt_timeout > t.max_rtt_timeout) {
        return fail("--min-rtt-timeout is larger than --max-rtt-timeout");
    }
    t.initial_rtt_timeout = std::clamp(t.initial_rtt_timeout, t.min_rtt_timeout, t.max_rtt_timeout);
    for (const auto& [flag, text, field] :
         {std::tuple{"--max-rate", a.max_rate, &t.max_rate}, std::tuple{"--min-rate", a.min_rate, &t.min_rate}}) {
        if (!text.empty()) {
            auto rate = parse_rate(flag, text);
            if (!rate) {
                return tl::unexpected(rate.error());
            }
            *field = *rate;
        }
    }
    if (t.max_rate > 0 && t.min_rate > t.max_rate) {
        return fail("--min-rate is larger than --max-rate");
    }
    if (a.max_parallelism < 0) {
        return fail(fmt::format("bad --max-parallelism '{}': must be positive", a.max_parallelism));
    }
    if (a.max_parallelism > 0) {
        t.max_parallelism = a.max_parallelism;
    }
    return t;
}

std::vector<std::string> split_commas(const std::vector<std::string>& items) {
    std::vector<std::string> out;
    for (const std::string& item : items) {
        std::size_t start = 0;
        while (start <= item.size()) {
            const auto comma = item.find(',', start);
            const auto end = comma == std::string::npos ? item.size() : comma;
            out.push_back(item.substr(start, end - start));
            if (comma == std::string::npos) {
                break;
            }
            start = comma + 1;
        }
    }
    return out;
}

Result<TargetSet> build_targets(const ScanArgs& a) {
    TargetParseOptions options;
    options.resolver = system_resolver();
    std::vector<std::string> specs = a.targets;
    if (!a.input_list.empty()) {
        auto text = read_text_file(a.input_list, kTargetListLimits);
        if (!text) {
            return tl::unexpected(text.error());
        }
        for (auto& s : split_target_list(*text)) {
            specs.push_back(std::move(s));
        }
    }
    if (specs.empty()) {
        return fail("no targets given (name hosts, networks or ranges, or use -iL FILE)");
    }
    TargetSet set;
    for (const std::string& spec : specs) {
        if (auto r = set.add(spec, options); !r) {
            return tl::unexpected(r.error());
        }
    }
    std::vector<std::string> excluded = split_commas(a.exclude);
    if (!a.exclude_file.empty()) {
        auto text = read_text_file(a.exclude_file, kTargetListLimits);
        if (!text) {
            return tl::unexpected(text.error());
        }
        for (auto& s : split_target_list(*text)) {
            excluded.push_back(std::move(s));
        }
    }
    for (const std::string& spec : excluded) {
        if (auto r = set.exclude(spec, options); !r) {
            return tl::unexpected(Error{"--exclude: " + r.error().message});
        }
    }
    if (set.empty()) {
        return fail("every target is excluded: nothing to scan");
    }
    return set;
}

Result<PortList> build_ports(const ScanArgs& a, Technique technique, const ServiceLookup& services) {
    const PortProtocols scanned{technique != Technique::udp, technique == Technique::udp};
    PortList ports;
    if (a.ports_given && !a.top_ports.empty()) {
        return fail(fmt::format("-p '{}' and --top-ports {} both choose the ports: give one", a.ports, a.top_ports));
    }
    if (a.ports_given) {
        if (a.ports.empty()) {
            return fail("bad -p '': no ports given (e.g. -p 22,80 or -p- for all)");
        }
        if (auto mixed = check_port_prefixes(a.ports, technique); !mixed && !a.other_protocol_ports) {
            return tl::unexpected(mixed.error());
        }
        auto parsed = parse_ports(a.ports, scanned, services);
        if (!parsed) {
            return tl::unexpected(parsed.error());
        }
        ports = std::move(*parsed);
    } else if (!a.top_ports.empty()) {
        auto n = parse_top_ports(a.top_ports);
        if (!n) {
            return tl::unexpected(n.error());
        }
        ports = top_ports(*n, scanned, services());
    } else {
        ports = top_ports(1000, scanned, services());
    }
    if (!a.exclude_ports.empty()) {
        auto excluded = parse_ports(a.exclude_ports, scanned, services);
        if (!excluded) {
            return fail("--exclude-ports: " + excluded.error().message);
        }
        ports = without(ports, *excluded);
    }
    if (ports.empty()) {
        return fail("no ports left to scan");
    }
    return ports;
}

void define_habit_flags(CLI::App& app, ScanArgs& a) {
    app.add_flag("--list-only", a.list_only, "-sL: list the targets and stop (no packets, no DNS)");
    app.add_flag("--debug", a.debug, "-d, -dd, -d2: debugging level (raises verbosity as much; -d prints host groups)");
    app.add_option("--stats-every", a.stats_every, "print a Stats: line on stderr every TIME (e.g. 10s)");
    app.add_option("--min-hostgroup", a.min_hostgroup, "at least N hosts per host group (connect scans; raw scans group as many as memory allows)");
    app.add_option("--max-hostgroup", a.max_hostgroup, "at most N hosts per host group");
    app.add_option("--interface", a.interface, "-e IFACE: raw scans send and capture on IFACE");
    app.add_option("--source-address", a.source_address, "-S ADDR: raw probes carry source address ADDR");
    app.add_option("--source-port", a.source_port, "-g PORT: raw probes come from source port PORT");
    app.add_option("--ttl", a.ttl, "raw probes leave with this IP TTL / hop limit (0-255)");
    app.add_flag("--packet-trace", a.packet_trace, "raw scans: every frame sent and received, one line each on stderr");
    app.add_flag("--append-output", a.outputs.append, "append to the output files instead of replacing them");
    app.add_option("--jsonl-open", a.outputs.jsonl_open,
                   "FILE: open ports only, one JSON line each in naabu's -json shape (- = stdout)");
}

void define_flags(CLI::App& app, ScanArgs& a) {
    app.add_option("targets", a.targets, "hosts, networks (CIDR), ranges (198.18.0-1.1-20), IPv6, names");
    app.add_option("--technique", a.technique, "scan technique: connect syn ack window fin null xmas maimon udp (-sT -sS ...)");
    app.add_option("--scanflags", a.scan_flags, "raw TCP probes with these flags (SYNFIN, URGPSHFIN, 9, ...); "
                                                "replies read as -sS, or as the -s type given");
    app.add_option("--ports,-p", a.ports, "ports: 22,80,1000-2000, - (all), T:/U: prefixes, names");
    app.add_option("--top-ports", a.top_ports,
                   "scan the N most often open ports (-F: 100; default 1000), ranked by nmap-services' "
                   "frequencies when nmap is installed, else by portwarden's built-in list");
    app.add_option("--input-list", a.input_list, "-iL FILE: read targets from FILE (- = stdin)");
    app.add_option("--exclude", a.exclude, "exclude hosts/networks (comma-separated)")->allow_extra_args(false);
    app.add_option("--excludefile", a.exclude_file, "exclude the targets listed in FILE");
    app.add_option("--exclude-ports", a.exclude_ports, "ports not to scan");
    app.add_flag("--skip-discovery", a.skip_discovery, "-Pn: treat every host as up");
    define_discovery_flags(app, a.discovery);
    define_version_flags(app, a.version);
    app.add_flag("--no-dns", a.no_dns, "-n: no reverse DNS (the default without -R)");
    app.add_flag("--reverse-dns", a.reverse_dns, "-R: look up the name (PTR) of every host found up");
    app.add_flag("--ipv6", a.ipv6, "-6: accepted for compatibility (IPv4 and IPv6 mix freely)");
    app.add_flag("-r", a.sequential, "scan ports in order instead of randomly");
    app.add_flag("-q,--quiet", a.quiet, "no progress line");
    app.add_flag("--reason", a.outputs.reason, "show why each port is in its state");
    app.add_flag("--open", a.outputs.open_only, "show only (possibly) open ports, in every output including -oJ");
    app.add_flag("-v", a.outputs.verbosity, "more output (-vv, -v2: more still)");
    app.add_option("--timing", a.timing_level, "-T0..-T5 timing template");
    app.add_option("--max-retries", a.max_retries, "cap on retransmissions per port");
    app.add_option("--min-rtt-timeout", a.min_rtt, "shortest probe time-out (e.g. 100ms)");
    app.add_option("--max-rtt-timeout", a.max_rtt, "longest probe time-out");
    app.add_option("--initial-rtt-timeout", a.initial_rtt, "time-out before any RTT is measured");
    app.add_option("--host-timeout", a.host_timeout, "give up on a host after this long");
    app.add_option("--scan-delay", a.scan_delay, "wait at least this long between probes to a host");
    app.add_option("--max-rate", a.max_rate, "at most N probes per second");
    app.add_option("--min-rate", a.min_rate, "at least N probes per second for the whole scan (windows ignored)");
    app.add_option("--max-parallelism", a.max_parallelism, "at most N probes in flight");
    app.add_option("--shard", a.shard, "I/N: scan only slice I of N (0-based) of the (host, port) index");
    app.add_option("--scan-id", a.scan_id,
                   "NAME: this process is shard --shard I/N of the scan NAME (history, merge; "
                   "the seed is derived from NAME unless --seed)");
    app.add_option("--resume", a.resume, "FILE: finish the interrupted scan FILE describes (same arguments)");
    app.add_option("--resume-file", a.resume_file, "where an interrupted raw scan writes its resume point");
    app.add_option("--seed", a.seed, "seed of the random port/host order");
    app.add_option("--db", a.db, "store the scan in this history database: PATH or postgresql://...");
    app.add_flag("--no-history", a.no_history, "do not store the scan in the history database (nor re-probe changed ports)");
    app.add_flag("--no-responder-analysis", a.no_responder_analysis,
                 "raw scans: do not check who really answered (forged RSTs, port-spoofers)");
    app.add_flag("--no-reprobe", a.no_reprobe,
                 "store, but do not probe a port again when its state differs from the history's");
    define_habit_flags(app, a);
    app.add_option("--xml", a.outputs.xml, "-oX FILE: Nmap XML (- = stdout)");
    app.add_option("--json", a.outputs.json, "-oJ FILE: JSON Lines (- = stdout)");
    app.add_option("--normal", a.outputs.normal, "-oN FILE: normal text (- = stdout)");
    app.add_option("--grepable", a.outputs.grepable, "-oG FILE: grepable (- = stdout)");
    app.add_option("--all-formats", a.outputs.all_base, "-oA BASE: BASE.nmap, BASE.xml, BASE.gnmap, BASE.jsonl");
}

void print_raw_stats(const ScanSummary& s) {
    std::string limited;
    for (const auto& a : s.rate_limited) {
        limited += (limited.empty() ? "" : ",") + a.to_string();
    }
    fmt::print(stderr,
               "portwarden: {}: probes sent {} ({} retransmissions), replies matched {}, unmatched {}, ring drops {}; "
               "ICMP rate limit detected on: {}\n",
               s.engine, s.probes_sent, s.retransmissions, s.replies_matched, s.replies_unmatched, s.ring_drops,
               limited.empty() ? "none" : limited);
    const auto& r = s.rejected;
    fmt::print(stderr,
               "portwarden: {}: replies rejected: malformed {}, bad checksum {}, unknown probe (cookie, ports or "
               "address) {}, not sent by this scan {}, late or duplicate {}\n",
               s.engine, r.malformed, r.bad_checksum, r.unknown_probe, r.not_sent, r.late);
}

void print_drift(const ScanSummary& s) {
    if (s.drift_reprobed > 0) {
        fmt::print(stderr,
                   "portwarden: {} port(s) differed from the history and were probed again: {} confirmed, {} back "
                   "in their recorded state (the first answer was lost), {} unconfirmed\n",
                   s.drift_reprobed, s.drift_confirmed, s.drift_reverted,
                   s.drift_reprobed - s.drift_confirmed - s.drift_reverted);
    }
}

// -sL: the targets to every output; nothing is sent, nothing stored.
int list_scan(ScanArgs& a, const TargetSet& targets, const std::string& command_line, const ScanHooks& hooks,
              const ServiceLookup& services) {
    a.outputs.stdout_report = hooks.stdout_report;
    auto outputs = OutputSet::open(a.outputs);
    if (!outputs) {
        return bad_input(outputs.error().message);
    }
    output::RunInfo info;
    info.args = command_line;
    info.version = PW_VERSION;
    info.ping_only = true;
    info.start_time = std::chrono::system_clock::now();
    info.services = services;
    info.verbosity = a.outputs.verbosity;
    info.debugging = a.debug;
    return list_targets(targets, *outputs, info) ? exit_ok : 1;
}

// --min/--max-hostgroup, -S -e -g --ttl into the request. Errors are bad input.
Result<void> apply_habits(const ScanArgs& a, ScanRequest& request) {
    for (const auto& [flag, text, field] : {std::tuple{"--min-hostgroup", &a.min_hostgroup, &request.min_host_group},
                                           std::tuple{"--max-hostgroup", &a.max_hostgroup, &request.max_host_group}}) {
        if (!text->empty()) {
            auto n = parse_host_group(flag, *text);
            if (!n) {
                return tl::unexpected(n.error());
            }
            *field = *n;
        }
    }
    if (request.max_host_group > 0 && request.min_host_group > request.max_host_group) {
        return fail("--min-hostgroup is larger than --max-hostgroup");
    }
    request.host_group = static_cast<std::size_t>(std::max<std::uint64_t>(request.host_group, request.min_host_group));
    if (request.max_host_group > 0) {
        request.host_group =
            static_cast<std::size_t>(std::min<std::uint64_t>(request.host_group, request.max_host_group));
    }
    auto raw = parse_raw_source(a.interface, a.source_address, a.source_port, a.ttl);
    if (!raw) {
        return tl::unexpected(raw.error());
    }
    if (!raw->empty() && request.technique == Technique::connect) {
        return fail("-S, -e, -g and --ttl shape raw probes: they need a raw scan (-sS, -sU, ...), not -sT");
    }
    if (raw->source_port && request.traceroute) {
        return fail("-g fixes the source port, where --traceroute keeps its TTL: give one of them");
    }
    request.raw_source = std::move(*raw);
    return {};
}

}  // namespace

int scan_command(const std::vector<std::string>& raw_args, const std::string& command_line, const ScanHooks& hooks) {
    auto args = translate_nmap_flags(raw_args);
    if (!args) {
        return bad_input(args.error().message);
    }
    // First of all: the stop signals are blocked before any thread starts (the services loader,
    // the ring set-up), so every thread inherits the mask and a Ctrl-C at any moment becomes a
    // stop request (a clean end with its output) instead of killing the process.
    SignalStop signals;
    // A closed pipe on standard output (`-oJ - | head -3`) is a write error, not a death: the
    // scan stops and still ends and closes its -oX/-oN/... files.
    std::signal(SIGPIPE, SIG_IGN);
    CLI::App app{hooks.discover ? "portwarden discover: host discovery only: which hosts are up, why, how far "
                                  "(= scan -sn; the discovery flags -PE -PP -PS -PA -PU -PR --traceroute)"
                                : "portwarden scan: find the state of every port (nmap-compatible flags)",
                 hooks.discover ? "portwarden discover" : "portwarden scan"};
    ScanArgs a;
    define_flags(app, a);
    if (auto code = parse_or_exit(app, *args)) {
        return *code;
    }
    a.outputs.verbosity += a.debug;  // nmap: -d N sets debugging and verbosity to N
    if (auto code = reject_empty(app, "--db", a.db)) {
        return *code;
    }
    if (auto code = reject_empty(app, "--resume-file", a.resume_file)) {
        return *code;
    }
    a.ports_given = app.count("--ports") > 0;
    a.other_protocol_ports = hooks.other_protocol_ports;
    a.scan_flags_given = app.count("--scanflags") > 0;
    for (const std::string& target : a.targets) {
        if (target.size() > 1 && target.front() == '-') {  // -v2: never a host name
            return bad_input(fmt::format("unknown option '{}' (try: portwarden scan --help)", target));
        }
    }
    std::uint64_t seed = 0;
    if (!a.seed.empty()) {
        auto parsed = parse_seed(a.seed);
        if (!parsed) {
            return bad_input(parsed.error().message);
        }
        seed = *parsed;
    }
    if (app.count("--scan-id") > 0) {
        if (auto ok = check_scan_name(a.scan_id); !ok) {
            return bad_input(ok.error().message);
        }
        if (seed == 0) {
            seed = seed_for_scan_name(a.scan_id);
        }
    }
    // Reading the services file takes a few ms: it is read on a background thread, and only a
    // port spec naming a service (-p http) and the reports wait for it.
    std::shared_future<ServiceNames> services_read =
        std::async(std::launch::async, [] { return ServiceNames::load_default(); }).share();
    const ServiceLookup services = [&services_read] { return &services_read.get(); };
    const bool raw_permitted = io_can_use_raw_sockets();
    const bool technique_chosen = !a.technique.empty();
    std::optional<std::uint8_t> scan_flags;
    if (a.scan_flags_given) {
        auto flags = parse_tcp_flags(a.scan_flags);
        if (!flags) {
            return bad_input(flags.error().message);
        }
        scan_flags = *flags;
    }
    // --scanflags alone is a raw TCP scan whose replies are read as a SYN scan's (nmap).
    auto technique = technique_named(technique_chosen ? a.technique
                                     : (raw_permitted || scan_flags) ? "syn"
                                                                     : "connect");
    if (!technique) {
        return bad_input(technique.error().message);
    }
    if (scan_flags && (*technique == Technique::connect || *technique == Technique::udp)) {
        return bad_input(fmt::format("--scanflags sets the flags of raw TCP probes; it cannot go with the {} scan",
                                     to_string(*technique)));
    }
    // A raw scan's receive rings start setting up now: their kernel wait (an RCU grace period
    // each) overlaps the rest of start-up instead of following it.
    std::shared_ptr<RawPrepared> prepared;
    if (raw_permitted && *technique != Technique::connect && !a.list_only) {
        prepared = prepare_raw_sockets();
    }
    auto timing = build_timing(a);
    if (!timing) {
        return bad_input(timing.error().message);
    }
    auto ports = build_ports(a, *technique, services);
    if (!ports) {
        return bad_input(ports.error().message);
    }
    auto targets = build_targets(a);
    if (!targets) {
        return bad_input(targets.error().message);
    }
    if (a.list_only) {
        return list_scan(a, *targets, command_line, hooks, services);
    }
    std::chrono::microseconds stats_interval{0};
    if (auto r = apply_duration("--stats-every", a.stats_every, stats_interval); !r) {
        return bad_input(r.error().message);
    }
    auto discovery = build_discovery(a.discovery, a.skip_discovery, services);
    if (!discovery) {
        return bad_input(discovery.error().message);
    }
    auto version = build_version(a.version);
    if (!version) {
        return bad_input(version.error().message);
    }
    ScanRequest request;
    request.targets = std::move(*targets);
    request.ports = std::move(*ports);
    request.technique = *technique;
    request.scan_flags = scan_flags;
    request.timing = *timing;
    request.randomize_ports = !a.sequential;
    request.seed = seed;
    request.skip_host_discovery = a.skip_discovery;
    request.discovery = std::move(*discovery);
    request.ping_only = a.discovery.ping_only;
    request.traceroute = a.discovery.traceroute;
    request.responder_analysis = !a.no_responder_analysis;
    if (a.discovery.traceroute && a.skip_discovery) {
        return bad_input("--traceroute follows the discovery probe that reached each host; it cannot go with -Pn");
    }
    request.reverse_dns = a.reverse_dns;
    ScanRuntime runtime;
    runtime.prepared = std::move(prepared);
    runtime.close_sockets_detached = true;  // this process exits after the scan
    request.seed = pick_seed(request.seed);
    if (auto habits = apply_habits(a, request); !habits) {
        return bad_input(habits.error().message);
    }
    if (!a.shard.empty()) {
        auto shard = parse_shard(a.shard);
        if (!shard) {
            return bad_input(shard.error().message);
        }
        request.shard_index = shard->first;
        request.shard_count = shard->second;
    }
    // The resume fingerprint (a hash of every port and target) only for --resume, or when the
    // scan stops early and writes a resume point.
    std::string fingerprint;
    if (!a.resume.empty()) {
        fingerprint = scan_fingerprint(request);
        auto resume = read_resume_file(a.resume, fingerprint);
        if (!resume) {
            return bad_input(resume.error().message);
        }
        request.seed = resume->seed;
        request.resume_from = resume->point;
    }
    if (*technique != Technique::connect) {
        if (!raw_permitted) {
            return bad_input(fmt::format("the {} scan sends raw packets, which needs CAP_NET_RAW (run as root, or "
                                         "`setcap cap_net_raw+ep` on the binary); -sT needs no privilege",
                                         to_string(*technique)));
        }
        runtime.drop_privileges = true;
    } else if (request.shard_count > 1 || request.resume_from) {
        return bad_input("--shard and --resume need a raw scan (-sS, -sU, ...); the connect scan has neither");
    } else if (a.discovery.traceroute) {
        return bad_input("--traceroute sends TTL-limited raw packets, which needs CAP_NET_RAW (run as root, or "
                         "`setcap cap_net_raw+ep` on the binary)");
    } else if (a.discovery.ping_echo || a.discovery.ping_timestamp || !a.discovery.ping_udp.empty()) {
        return bad_input("-PE, -PP and -PU send raw packets, which needs CAP_NET_RAW (run as root, or `setcap "
                         "cap_net_raw+ep` on the binary); without it discovery connects to TCP ports (-PS/-PA)");
    } else if (!a.discovery.ping_syn.empty() || !a.discovery.ping_ack.empty()) {
        // Unprivileged: a connect() to each -PS/-PA port (any answer, even a refusal, proves the host up).
        request.ping_ports = request.discovery.syn_ports;
        request.ping_ports.insert(request.ping_ports.end(), request.discovery.ack_ports.begin(),
                                  request.discovery.ack_ports.end());
    }

    a.outputs.stdout_report = hooks.stdout_report;
    auto outputs = OutputSet::open(a.outputs);
    if (!outputs) {
        return bad_input(outputs.error().message);
    }
    if (!technique_chosen && !scan_flags && !a.quiet) {
        if (a.discovery.ping_only) {
            fmt::print(stderr, "{}\n",
                       raw_permitted ? "portwarden: host discovery with raw packets (ICMP, TCP, ARP/ND): raw sockets "
                                       "are permitted (CAP_NET_RAW)"
                                     : "portwarden: host discovery by connect() to ports 80 and 443: raw sockets "
                                       "need CAP_NET_RAW, which this process lacks");
        } else {
            fmt::print(stderr, "{}\n",
                       raw_permitted ? "portwarden: SYN scan (-sS): raw sockets are permitted (CAP_NET_RAW)"
                                     : "portwarden: connect scan (-sT): raw sockets need CAP_NET_RAW, which this "
                                       "process lacks");
        }
    }
    output::RunInfo info;
    info.args = command_line;
    info.version = PW_VERSION;
    info.technique = request.technique;
    info.ping_only = request.ping_only;
    info.scan_flags = request.scan_flags;
    info.ports = request.ports;
    info.start_time = std::chrono::system_clock::now();
    info.services = services;  // waited for by the first host's output, not here
    info.show_reason = a.outputs.reason;
    info.open_only = a.outputs.open_only;
    info.verbosity = a.outputs.verbosity;
    info.debugging = a.debug;
    std::shared_ptr<ServiceFindings> versions;
    if (*version) {
        versions = std::make_shared<ServiceFindings>();
        info.versions = versions;
    }

    // Opened before the scan: a raw scan drops its privileges once its sockets are open. Every
    // scan is stored (the user's default database, or --db) unless --no-history; a port whose
    // state differs from the history's is probed once more before it is reported.
    // --scanflags probes answer differently from the plain technique: their own history.
    std::string technique_name = request.ping_only ? std::string("ping") : std::string(to_string(request.technique));
    if (request.scan_flags) {
        technique_name += fmt::format("/flags={:#04x}", *request.scan_flags);
    }
    ScanRecorder history = ScanRecorder::open(a.db, a.no_history, command_line, technique_name);
    std::optional<ShardLabel> shard_label;
    if (!a.scan_id.empty() || request.shard_count > 1) {
        shard_label = ShardLabel{a.scan_id, request.shard_index, request.shard_count, request.seed, technique_name};
        if (!a.scan_id.empty()) {
            history.set_shard(ShardTag{a.scan_id, request.shard_index, request.shard_count});
        }
    }
    if (!a.no_reprobe && !request.ping_only) {
        request.previous = history.previous_states(request.technique == Technique::udp ? Proto::udp : Proto::tcp);
    }
    // Before the scan: a raw scan started as root has dropped to nobody by its end.
    const ResumeTarget resume_target(a.resume_file, !a.outputs.json.empty() || !a.outputs.all_base.empty());
    ProgressLine progress(stderr, !a.quiet && isatty(STDERR_FILENO) == 1);
    outputs->begin(info);
    ScanCallbacks callbacks;
    const auto deliver = [&](const HostResult& host) {
        progress.clear();
        outputs->host(host);
        if (outputs->reader_gone()) {
            signals.stop();
        }
        history.add(host);
        if (hooks.host_done) {
            hooks.host_done(host);
        }
    };
    // -sV probes after the port scan (as nmap's service scan follows its port scan), so the
    // engine's timing is never held up by a probe's wait: the hosts are kept until then.
    std::vector<HostResult> probed;
    callbacks.host_done = [&](const HostResult& host) {
        if (*version) {
            probed.push_back(host);
        } else {
            deliver(host);
        }
    };
    StatsEvery stats(stderr, stats_interval);
    std::mutex trace_mutex;
    if (a.packet_trace) {
        callbacks.packet_trace = [&trace_mutex](std::string_view line) {
            const std::lock_guard lock(trace_mutex);
            fmt::print(stderr, "{}\n", line);
        };
        if (request.technique == Technique::connect && !a.quiet) {
            fmt::print(stderr, "portwarden: --packet-trace shows raw frames; the connect scan (-sT) is not traced\n");
        }
    }
    callbacks.progress = [&](const ScanProgress& p) {
        progress.update(p);
        if (stats_interval.count() > 0) {
            progress.clear();
            stats.update(p);
        }
    };
    auto summary = run_scan(request, callbacks, signals.token(), runtime);
    progress.clear();
    if (*version) {
        const auto sv_start = std::chrono::steady_clock::now();
        (*version)->options.stop = signals.token();
        *versions = detect_versions(probed, (*version)->probes, (*version)->options);
        if (summary) {  // the "scanned in" time includes -sV's, as nmap's does
            summary->elapsed += std::chrono::steady_clock::now() - sv_start;
            summary->end_time = std::chrono::system_clock::now();
            summary->interrupted = summary->interrupted || signals.token().stop_requested();
        }
        for (const HostResult& host : probed) {
            deliver(host);
        }
    }
    if (!summary) {
        outputs->abandon();
        return bad_input(summary.error().message);
    }
    summary->shard = shard_label;
    if (summary->resume_point) {
        if (fingerprint.empty()) {
            fingerprint = scan_fingerprint(request);
        }
        // JSON Lines output can then be resumed from.
        summary->resume_fingerprint = resume_seal(fingerprint, summary->seed, *summary->resume_point);
    }
    const bool written = outputs->end(*summary);
    if (const auto id = history.finish(*summary, a.outputs.verbosity > 0);
        id && hooks.recorded && history.store() != nullptr) {
        hooks.recorded(*id, *history.store());
    }
    if (a.outputs.verbosity > 0 && request.technique != Technique::connect) {
        print_raw_stats(*summary);
    }
    if (a.outputs.verbosity > 0) {
        print_drift(*summary);
    }
    if (a.debug > 0) {
        fmt::print(stderr, "portwarden: {} host(s) in {} host group(s); engine: {}\n", summary->hosts_done,
                   summary->host_groups, summary->engine);
    }
    if (summary->resume_point) {
        resume_target.report(fingerprint, request.seed, *summary->resume_point);
    }
    if (!summary->error.empty()) {
        fmt::print(stderr, "portwarden: scan stopped early: {}\n", summary->error);
        return 1;
    }
    if (!written) {
        return 1;  // each file that could not be written was named on stderr
    }
    if (summary->interrupted) {
        const int sig = signals.signal_received();
        fmt::print(stderr, "portwarden: interrupted; the results found so far were written\n");
        return 128 + (sig > 0 ? sig : 2);
    }
    return exit_ok;
}

}  // namespace portwarden::cli

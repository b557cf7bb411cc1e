// `scan`'s flags checked and turned into a ScanPlan (see scan_plan.hpp).
#include "cli/scan_plan.hpp"

#include <fmt/format.h>

#include "cli/cli11_parse.hpp"
#include "cli/nmap_args.hpp"
#include "cli/nmap_habits.hpp"
#include "cli/resume_file.hpp"
#include "cli/scan_checks.hpp"
#include "portwarden/merge.hpp"

namespace portwarden::cli {
namespace {

// What needs a raw socket without one is bad input; unprivileged -PS/-PA become connect() pings.
std::optional<int> check_privileges(const ScanArgs& a, const ScanChoice& c, ScanPlan& plan) {
    ScanRequest& request = plan.request;
    if (c.raw_scan && c.technique == Technique::connect && (request.shard_count > 1 || request.resume_from)) {
        return bad_input("--shard and --resume need a raw TCP scan type: -sT -sU has neither (-sS -sU has both)");
    }
    if (c.raw_scan) {
        if (!c.raw_permitted) {
            return bad_input(fmt::format("the {} scan sends raw packets, which needs CAP_NET_RAW (run as root, or "
                                         "`setcap cap_net_raw+ep` on the binary); -sT needs no privilege",
                                         to_string(c.technique == Technique::connect ? Technique::udp : c.technique)));
        }
        plan.runtime.drop_privileges = true;
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
    return std::nullopt;
}

// The habits, --shard and --resume into the plan's request; then the privilege checks.
std::optional<int> finish_plan(const ScanArgs& a, const ScanChoice& c, ScanPlan& plan) {
    ScanRequest& request = plan.request;
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
    if (!a.resume.empty()) {
        plan.fingerprint = scan_fingerprint(request);
        auto resume = read_resume_file(a.resume, plan.fingerprint);
        if (!resume) {
            return bad_input(resume.error().message);
        }
        request.seed = resume->seed;
        request.resume_from = resume->point;
    }
    return check_privileges(a, c, plan);
}

}  // namespace

OrExit<std::uint64_t> check_flags(const CLI::App& app, ScanArgs& a, const ScanHooks& hooks) {
    a.outputs.verbosity += a.debug;  // nmap: -d N sets debugging and verbosity to N
    if (auto code = reject_empty(app, "--db", a.db)) {
        return tl::unexpected(*code);
    }
    if (auto code = reject_empty(app, "--resume-file", a.resume_file)) {
        return tl::unexpected(*code);
    }
    a.ports_given = app.count("--ports") > 0;
    a.other_protocol_ports = hooks.other_protocol_ports;
    a.scan_flags_given = app.count("--scanflags") > 0;
    for (const std::string& target : a.targets) {
        if (target.size() > 1 && target.front() == '-') {  // -v2: never a host name
            return tl::unexpected(bad_input(fmt::format("unknown option '{}' (try: portwarden scan --help)", target)));
        }
    }
    std::uint64_t seed = 0;
    if (!a.seed.empty()) {
        auto parsed = parse_seed(a.seed);
        if (!parsed) {
            return tl::unexpected(bad_input(parsed.error().message));
        }
        seed = *parsed;
    }
    if (app.count("--scan-id") > 0) {
        if (auto ok = check_scan_name(a.scan_id); !ok) {
            return tl::unexpected(bad_input(ok.error().message));
        }
        if (seed == 0) {
            seed = seed_for_scan_name(a.scan_id);
        }
    }
    return seed;
}

OrExit<ScanChoice> choose_technique(const ScanArgs& a) {
    ScanChoice c;
    c.raw_permitted = io_can_use_raw_sockets();
    c.technique_chosen = !a.techniques.empty();
    if (a.scan_flags_given) {
        auto flags = parse_tcp_flags(a.scan_flags);
        if (!flags) {
            return tl::unexpected(bad_input(flags.error().message));
        }
        c.scan_flags = *flags;
    }
    // --scanflags alone is a raw TCP scan whose replies are read as a SYN scan's (nmap).
    auto types =
        parse_scan_types(a.techniques, (c.raw_permitted || c.scan_flags) ? Technique::syn : Technique::connect);
    if (!types) {
        return tl::unexpected(bad_input(types.error().message));
    }
    if (c.scan_flags && (types->technique == Technique::connect || types->technique == Technique::udp)) {
        return tl::unexpected(bad_input(fmt::format("--scanflags sets the flags of raw TCP probes; it cannot go with the {} scan",
                                                    to_string(types->technique))));
    }
    c.types = *types;
    c.technique = types->technique;
    // -sU sends raw packets, also with -sT (whose TCP ports then go by connect()).
    c.raw_scan = types->technique != Technique::connect || types->with_udp;
    return c;
}

OrExit<ScanPlan> plan_scan(ScanArgs& a, const ScanChoice& c, std::uint64_t seed, const std::string& command_line,
                           const ScanHooks& hooks, const ServiceLookup& services) {
    ScanPlan plan;
    auto timing = build_timing(a);
    if (!timing) {
        return tl::unexpected(bad_input(timing.error().message));
    }
    auto ports = build_ports(a, c.types, services);
    if (!ports) {
        return tl::unexpected(bad_input(ports.error().message));
    }
    auto targets = build_targets(a);
    if (!targets) {
        return tl::unexpected(bad_input(targets.error().message));
    }
    if (a.list_only) {
        return tl::unexpected(list_scan(a, *targets, command_line, hooks, services));
    }
    if (auto r = apply_duration("--stats-every", a.stats_every, plan.stats_interval); !r) {
        return tl::unexpected(bad_input(r.error().message));
    }
    auto discovery = build_discovery(a.discovery, a.skip_discovery, services);
    if (!discovery) {
        return tl::unexpected(bad_input(discovery.error().message));
    }
    auto version = build_version(a.version);
    if (!version) {
        return tl::unexpected(bad_input(version.error().message));
    }
    plan.version = std::move(*version);
    ScanRequest& request = plan.request;
    request.targets = std::move(*targets);
    request.ports = std::move(*ports);
    request.technique = c.technique;
    request.with_udp = c.types.with_udp;
    request.scan_flags = c.scan_flags;
    request.timing = *timing;
    request.randomize_ports = !a.sequential;
    request.seed = seed;
    request.skip_host_discovery = a.skip_discovery;
    request.discovery = std::move(*discovery);
    request.ping_only = a.discovery.ping_only;
    request.traceroute = a.discovery.traceroute;
    request.responder_analysis = !a.no_responder_analysis;
    if (a.discovery.traceroute && a.skip_discovery) {
        return tl::unexpected(
            bad_input("--traceroute follows the discovery probe that reached each host; it cannot go with -Pn"));
    }
    request.reverse_dns = a.reverse_dns && !a.no_dns;  // -n wins over -R
    plan.runtime.close_sockets_detached = true;  // this process exits after the scan
    request.seed = pick_seed(request.seed);
    if (auto code = finish_plan(a, c, plan)) {
        return tl::unexpected(*code);
    }
    return plan;
}

}  // namespace portwarden::cli

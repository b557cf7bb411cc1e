// `portwarden scan`: nmap-compatible flags -> ScanRequest -> writers.
#include <unistd.h>

#include <csignal>
#include <future>
#include <memory>
#include <mutex>

#include <fmt/format.h>

#include "cli/cli11_parse.hpp"
#include "cli/commands.hpp"
#include "cli/history_record.hpp"
#include "cli/nmap_args.hpp"
#include "cli/nmap_habits.hpp"
#include "cli/progress.hpp"
#include "cli/resume_file.hpp"
#include "cli/scan_args.hpp"
#include "cli/scan_plan.hpp"
#include "cli/scan_checks.hpp"
#include "cli/signals.hpp"

namespace portwarden::cli {
namespace {

// Without -s*: which scan the privileges chose, on stderr.
void announce_technique(const ScanArgs& a, const ScanChoice& c) {
    if (c.technique_chosen || c.scan_flags || a.quiet) {
        return;
    }
    if (a.discovery.ping_only) {
        fmt::print(stderr, "{}\n",
                   c.raw_permitted ? "portwarden: host discovery with raw packets (ICMP, TCP, ARP/ND): raw sockets "
                                     "are permitted (CAP_NET_RAW)"
                                   : "portwarden: host discovery by connect() to ports 80 and 443: raw sockets "
                                     "need CAP_NET_RAW, which this process lacks");
    } else {
        fmt::print(stderr, "{}\n",
                   c.raw_permitted ? "portwarden: SYN scan (-sS): raw sockets are permitted (CAP_NET_RAW)"
                                   : "portwarden: connect scan (-sT): raw sockets need CAP_NET_RAW, which this "
                                     "process lacks");
    }
}

output::RunInfo run_info(const ScanArgs& a, const ScanRequest& request, const std::string& command_line,
                         const ServiceLookup& services) {
    output::RunInfo info;
    info.args = command_line;
    info.version = PW_VERSION;
    info.technique = request.technique;
    info.with_udp = request.with_udp;
    info.ping_only = request.ping_only;
    info.scan_flags = request.scan_flags;
    info.ports = request.ports;
    info.start_time = std::chrono::system_clock::now();
    info.services = services;  // waited for by the first host's output, not here
    info.show_reason = a.outputs.reason;
    info.open_only = a.outputs.open_only;
    info.verbosity = a.outputs.verbosity;
    info.debugging = a.debug;
    return info;
}

// Where the scan's hosts go, and what watches it run.
struct ScanSinks {
    OutputSet& outputs;
    ScanRecorder& history;
    SignalStop& signals;
    const ScanHooks& hooks;
    std::shared_ptr<ServiceFindings> versions;  // -sV's findings, shown by the writers
};

Result<ScanSummary> run_planned(const ScanArgs& a, ScanPlan& plan, ScanSinks& sinks) {
    const ScanRequest& request = plan.request;
    ProgressLine progress(stderr, !a.quiet && isatty(STDERR_FILENO) == 1);
    ScanCallbacks callbacks;
    const auto deliver = [&](const HostResult& host) {
        progress.clear();
        sinks.outputs.host(host);
        if (sinks.outputs.reader_gone()) {
            sinks.signals.stop();
        }
        sinks.history.add(host);
        if (sinks.hooks.host_done) {
            sinks.hooks.host_done(host);
        }
    };
    // -sV probes after the port scan (as nmap's service scan follows its port scan), so the
    // engine's timing is never held up by a probe's wait: the hosts are kept until then.
    std::vector<HostResult> probed;
    callbacks.host_done = [&](const HostResult& host) {
        if (plan.version) {
            probed.push_back(host);
        } else {
            deliver(host);
        }
    };
    StatsEvery stats(stderr, plan.stats_interval);
    std::mutex trace_mutex;
    if (a.packet_trace) {
        callbacks.packet_trace = [&trace_mutex](std::string_view line) {
            const std::lock_guard lock(trace_mutex);
            fmt::print(stderr, "{}\n", line);
        };
    }
    callbacks.started = [&sinks] { sinks.outputs.started(); };  // the old files are emptied meanwhile
    callbacks.progress = [&](const ScanProgress& p) {
        progress.update(p);
        if (plan.stats_interval.count() > 0) {
            progress.clear();
            stats.update(p);
        }
    };
    auto summary = run_scan(request, callbacks, sinks.signals.token(), plan.runtime);
    progress.clear();
    if (plan.version) {
        const auto sv_start = std::chrono::steady_clock::now();
        plan.version->options.stop = sinks.signals.token();
        *sinks.versions = detect_versions(probed, plan.version->probes, plan.version->options);
        if (summary) {  // the "scanned in" time includes -sV's, as nmap's does
            summary->elapsed += std::chrono::steady_clock::now() - sv_start;
            summary->end_time = std::chrono::system_clock::now();
            summary->interrupted = summary->interrupted || sinks.signals.token().stop_requested();
        }
        for (const HostResult& host : probed) {
            deliver(host);
        }
    }
    return summary;
}

// After the scan: the writers' end, the history, the -v/-d lines, the resume point, the exit code.
int finish_scan(const ScanArgs& a, ScanPlan& plan, ScanSummary& summary, ScanSinks& sinks,
                const ResumeTarget& resume_target) {
    const ScanRequest& request = plan.request;
    if (summary.resume_point) {
        if (plan.fingerprint.empty()) {
            plan.fingerprint = scan_fingerprint(request);
        }
        // JSON Lines output can then be resumed from.
        summary.resume_fingerprint = resume_seal(plan.fingerprint, summary.seed, *summary.resume_point);
    }
    const bool written = sinks.outputs.end(summary);
    if (const auto id = sinks.history.finish(summary, a.outputs.verbosity > 0);
        id && sinks.hooks.recorded && sinks.history.store() != nullptr) {
        sinks.hooks.recorded(*id, *sinks.history.store());
    }
    if (a.outputs.verbosity > 0 && request.technique != Technique::connect) {
        print_raw_stats(summary);
    }
    if (a.outputs.verbosity > 0) {
        print_drift(summary);
    }
    if (a.debug > 0) {
        fmt::print(stderr, "portwarden: {} host(s) in {} host group(s); engine: {}\n", summary.hosts_done,
                   summary.host_groups, summary.engine);
    }
    if (summary.resume_point) {
        resume_target.report(plan.fingerprint, request.seed, *summary.resume_point);
    }
    if (!summary.error.empty()) {
        fmt::print(stderr, "portwarden: scan stopped early: {}\n", summary.error);
        return 1;
    }
    if (!written) {
        return 1;  // each file that could not be written was named on stderr
    }
    if (summary.interrupted) {
        const int sig = sinks.signals.signal_received();
        fmt::print(stderr, "portwarden: interrupted; the results found so far were written\n");
        return 128 + (sig > 0 ? sig : 2);
    }
    return exit_ok;
}

// The planned scan run: outputs and history opened, the scan, its end.
int execute(ScanArgs& a, const ScanChoice& c, ScanPlan& plan, const std::string& command_line,
            const ScanHooks& hooks, const ServiceLookup& services, SignalStop& signals) {
    const ScanRequest& request = plan.request;
    a.outputs.stdout_report = hooks.stdout_report;
    auto outputs = OutputSet::open(a.outputs);
    if (!outputs) {
        return bad_input(outputs.error().message);
    }
    announce_technique(a, c);
    output::RunInfo info = run_info(a, request, command_line, services);
    std::shared_ptr<ServiceFindings> versions;
    if (plan.version) {
        versions = std::make_shared<ServiceFindings>();
        info.versions = versions;
    }

    // Opened before the scan: a raw scan drops its privileges once its sockets are open. Every
    // scan is stored (the user's default database, or --db) unless --no-history; a port whose
    // state differs from the history's is probed once more before it is reported.
    // --scanflags probes answer differently from the plain technique: their own history.
    std::string technique_name = request.ping_only ? std::string("ping") : scan_types_name(c.types);
    if (request.scan_flags) {
        technique_name += fmt::format("/flags={:#04x}", *request.scan_flags);
    }
    ScanRecorder history = ScanRecorder::open(a.db, a.no_history, command_line, technique_name);
    history.set_services(versions);  // null without -sV
    std::optional<ShardLabel> shard_label;
    if (!a.scan_id.empty() || request.shard_count > 1) {
        shard_label = ShardLabel{a.scan_id, request.shard_index, request.shard_count, request.seed, technique_name};
        if (!a.scan_id.empty()) {
            // A resumed shard adds to its interrupted run's rows; run again without --resume, it
            // replaces them.
            history.set_shard(ShardTag{a.scan_id, request.shard_index, request.shard_count, !a.resume.empty()});
        }
    }
    if (!a.no_reprobe && !request.ping_only) {  // drift confirmation
        plan.request.previous = history.previous_states(c.types.protocols());
    }
    // Before the scan: a raw scan started as root has dropped to nobody by its end.
    const ResumeTarget resume_target(a.resume_file, !a.outputs.json.empty() || !a.outputs.all_base.empty());
    outputs->begin(info);
    ScanSinks sinks{*outputs, history, signals, hooks, versions};
    auto summary = run_planned(a, plan, sinks);
    if (!summary) {
        outputs->abandon();
        return bad_input(summary.error().message);
    }
    summary->shard = shard_label;
    return finish_scan(a, plan, *summary, sinks, resume_target);
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
    auto seed = check_flags(app, a, hooks);
    if (!seed) {
        return seed.error();
    }
    // Reading the services file takes a few ms: it is read on a background thread, and only a
    // port spec naming a service (-p http) and the reports wait for it.
    std::shared_future<ServiceNames> services_read =
        std::async(std::launch::async, [] { return ServiceNames::load_default(); }).share();
    const ServiceLookup services = [&services_read] { return &services_read.get(); };
    auto choice = choose_technique(a);
    if (!choice) {
        return choice.error();
    }
    auto plan = plan_scan(a, *choice, *seed, command_line, hooks, services);
    if (!plan) {
        return plan.error();
    }
    return execute(a, *choice, *plan, command_line, hooks, services, signals);
}

}  // namespace portwarden::cli

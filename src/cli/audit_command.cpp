// `portwarden audit`: scan every host a policy names (or read a result file) and judge it.
// Exit codes: 0 compliant, 1 violations, 2 inconclusive, 3 error (one line on stderr).
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "audit/firewall_findings.hpp"
#include "audit/webhook.hpp"
#include "cli/audit_history.hpp"
#include "cli/commands.hpp"
#include "cli/history_record.hpp"
#include "cli/scan_source.hpp"
#include "output/format.hpp"
#include "portwarden/audit.hpp"
#include "portwarden/ports.hpp"
#include "portwarden/services.hpp"
#include "portwarden/result_file.hpp"

namespace portwarden::cli {
namespace {

constexpr int exit_audit_error = 3;

constexpr std::string_view audit_usage = R"(usage: portwarden audit --policy FILE [--format text|json|junit|sarif] [-o FILE]
                        [--webhook http[s]://HOST[:PORT]/PATH [--webhook-required]]
                        [--db URL | --no-history]
                        [--from RESULTS | scan flags (-sT -sS -p SPEC --top-ports N -T4 -Pn ...)]
                        [--ruleset FILE [--listeners FILE]]

Scans every host the policy names (ports: the policy's ports plus the top 1000, or -p SPEC)
and checks the results against the policy; --from checks a -oJ or -oX file instead (or a
history scan: @12, or @NAME for the shards of `scan --scan-id NAME` merged).
  --today YYYY-MM-DD   judge expiry dates as of this day (default: today, UTC)
  --webhook URL        afterwards, POST the JSON report to URL (http or https; 10 s time-outs;
                       env: PORTWARDEN_WEBHOOK_AUTH, PORTWARDEN_WEBHOOK_CA, https_proxy)
  --webhook-required   a failed POST makes the exit 3 (default: a warning, exit unchanged)
  --db URL             the history database that keeps the scan and the verdict (default: the user's)
  --no-history         store neither
  --ruleset FILE       also check every scanned port against the host's firewall ruleset
                       (nft -j list ruleset, or iptables-save): differences are violations
  --listeners FILE     the host's `ss -tuln` output, for --ruleset
exit: 0 compliant, 1 violations, 2 inconclusive, 3 error
)";

int audit_error(const std::string& message) {
    fmt::print(stderr, "portwarden: {}\n", message);
    return exit_audit_error;
}

struct AuditArgs {
    std::string policy;
    std::string format = "text";
    std::string output;
    std::string from;
    std::string today;
    std::string ports;  // -p SPEC, if given
    std::string webhook;
    std::string db;  // --db URL: the history (the scan's and the verdict's)
    std::string ruleset;    // --ruleset FILE: the firewall ruleset to reconcile with
    std::string listeners;  // --listeners FILE (ss -tuln), with --ruleset
    bool no_history = false;
    bool webhook_required = false;
    std::size_t top_ports = 1000;
    std::vector<std::string> scan_args;
    bool help = false;
};

// Takes the audit's own flags (and -p/--top-ports, which it extends) out of the arguments.
Result<AuditArgs> split_args(const std::vector<std::string>& args) {
    AuditArgs a;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        const auto value_of = [&](std::string_view flag) -> std::optional<Result<std::string>> {
            if (arg == flag) {
                if (i + 1 >= args.size()) {
                    return Result<std::string>(fail(fmt::format("{} needs a value", flag)));
                }
                return Result<std::string>(args[++i]);
            }
            if (arg.size() > flag.size() && arg.compare(0, flag.size(), flag) == 0 && arg[flag.size()] == '=') {
                return Result<std::string>(arg.substr(flag.size() + 1));
            }
            return std::nullopt;
        };
        const std::array<std::pair<std::string_view, std::string*>, 12> own{{{"--policy", &a.policy},
                                                                            {"--ruleset", &a.ruleset},
                                                                            {"--listeners", &a.listeners},
                                                                            {"--format", &a.format},
                                                                            {"-o", &a.output},
                                                                            {"--output", &a.output},
                                                                            {"--from", &a.from},
                                                                            {"--today", &a.today},
                                                                            {"-p", &a.ports},
                                                                            {"--ports", &a.ports},
                                                                            {"--webhook", &a.webhook},
                                                                            {"--db", &a.db}}};
        bool taken = false;
        for (const auto& [flag, field] : own) {
            if (auto v = value_of(flag)) {
                if (!*v) {
                    return tl::unexpected(v->error());
                }
                *field = **v;
                taken = true;
                break;
            }
        }
        if (taken) {
            continue;
        }
        if (auto v = value_of("--top-ports")) {
            if (!*v || (*v)->empty() || (*v)->find_first_not_of("0123456789") != std::string::npos ||
                (*v)->size() > 5) {
                return fail(fmt::format("bad --top-ports '{}': expected a number", *v ? **v : std::string()));
            }
            a.top_ports = std::stoul(**v);
        } else if (arg.size() > 2 && arg.compare(0, 2, "-p") == 0) {
            a.ports = arg.substr(2);  // nmap's -p22,80
        } else if (arg == "--webhook-required") {
            a.webhook_required = true;
        } else if (arg == "--no-history") {
            a.no_history = true;
        } else if (arg == "-h" || arg == "--help") {
            a.help = true;
        } else {
            a.scan_args.push_back(arg);
        }
    }
    return a;
}

Result<audit::Date> parse_date(const std::string& text) {
    audit::Date d;
    char dash1 = 0;
    char dash2 = 0;
    char extra = 0;
    if (std::sscanf(text.c_str(), "%4d%c%2d%c%2d%c", &d.year, &dash1, &d.month, &dash2, &d.day, &extra) != 5 ||
        dash1 != '-' || dash2 != '-' || d.month < 1 || d.month > 12 || d.day < 1 || d.day > 31) {
        return fail(fmt::format("bad --today '{}': expected YYYY-MM-DD", text));
    }
    return d;
}

// The scan's port list: the policy's ports plus -p SPEC, or plus the top N ports.
std::string scan_ports(const AuditArgs& a, const audit::Policy& policy) {
    std::string spec = audit::policy_port_spec(policy);
    std::string extra = a.ports;
    if (extra.empty()) {
        const ServiceNames ranking = ServiceNames::load_default();  // nmap's ranking when installed
        const PortList top = top_ports(a.top_ports, PortProtocols{true, true}, &ranking);
        for (const auto& [prefix, list] : {std::pair{"T:", &top.tcp}, std::pair{"U:", &top.udp}}) {
            for (const std::uint16_t p : *list) {
                extra += fmt::format("{}{}{}", extra.empty() ? "" : ",", prefix, p);
            }
        }
    }
    return extra.empty() ? spec : spec.empty() ? extra : extra + "," + spec;
}

// POSTs the JSON report; a failure is one warning line. True when the server took it (2xx).
bool send_webhook(const audit::WebhookUrl& url, const std::string& text, const std::string& json) {
    const auto status = audit::post_webhook(url, json);
    if (!status) {
        fmt::print(stderr, "portwarden: warning: webhook {}: {}\n", text, output::visible_text(status.error().message));
        return false;
    }
    if (*status < 200 || *status > 299) {
        fmt::print(stderr, "portwarden: warning: webhook {}: the server answered HTTP {}\n", text, *status);
        return false;
    }
    return true;
}

// The audit's inputs besides the hosts: the flags' values, parsed, and the files they name, loaded.
struct AuditSetup {
    audit::ReportFormat format{};
    std::optional<audit::WebhookUrl> webhook;
    audit::Date today;
    audit::Policy policy;
    std::optional<firewall::Ruleset> ruleset;
    firewall::Listeners listeners;
};

Result<AuditSetup> load_audit_setup(const AuditArgs& a) {
    AuditSetup setup;
    const auto format = audit::parse_report_format(a.format);
    if (!format) {
        return fail(fmt::format("bad --format '{}': expected text, json, junit or sarif", a.format));
    }
    setup.format = *format;
    if (!a.webhook.empty()) {
        auto url = audit::parse_webhook_url(a.webhook);
        if (!url) {
            return tl::unexpected(url.error());
        }
        setup.webhook = std::move(*url);
    } else if (a.webhook_required) {
        return fail("--webhook-required needs --webhook URL");
    }
    setup.today = audit::today_utc();
    if (!a.today.empty()) {
        auto d = parse_date(a.today);
        if (!d) {
            return tl::unexpected(d.error());
        }
        setup.today = *d;
    }
    auto policy = audit::load_host_policy(a.policy);
    if (!policy) {
        return tl::unexpected(policy.error());
    }
    setup.policy = std::move(*policy);
    if (!a.listeners.empty() && a.ruleset.empty()) {
        return fail("--listeners goes with --ruleset FILE");
    }
    if (!a.ruleset.empty()) {
        auto rs = firewall::load_ruleset(a.ruleset);
        if (!rs) {
            return tl::unexpected(rs.error());
        }
        setup.ruleset = std::move(*rs);
        if (!a.listeners.empty()) {
            auto l = firewall::load_listeners_file(a.listeners);
            if (!l) {
                return tl::unexpected(l.error());
            }
            setup.listeners = std::move(*l);
        }
    }
    return setup;
}

// The hosts the audit judges and where they came from.
struct AuditHosts {
    std::vector<HostResult> hosts;
    int scan_code = exit_ok;
    std::optional<std::int64_t> scan_id;  // the audit's scan, once stored in the history
    std::optional<std::string> scan_name;  // --from @NAME: a named scan (shards merged)
    std::string audit_db;  // where the verdict is stored (empty: nowhere)
};

// --from RESULTS: the hosts of a result file or a history scan. The exit code on an error.
std::optional<int> read_audit_hosts(const AuditArgs& a, AuditHosts& out) {
    if (!a.scan_args.empty() || !a.ports.empty()) {
        return audit_error(fmt::format("--from reads results from a file; scan flags such as '{}' cannot go with it",
                                       a.scan_args.empty() ? "-p" : a.scan_args.front()));
    }
    ScanSource source(a.db);  // a file, or a history scan: @12, @NAME (shards merged)
    auto read = source.load(a.from);
    if (!read) {
        return audit_error(read.error().message);
    }
    out.hosts = std::move(*read);
    out.scan_id = history_id(a.from);  // --from @12: that stored scan
    out.scan_name = history_scan_name(a.from);
    if (!a.no_history) {  // --from: the verdict goes to --db, or the default history
        out.audit_db = cli::history_url(a.db, "audit not stored in the history").value_or("");
    }
    return std::nullopt;
}

// Scans the policy's hosts (scan_command with the audit's ports and the scan flags); the scan's
// history store gets the verdict too. The exit code when the scan refused its input.
std::optional<int> scan_audit_hosts(const AuditArgs& a, const AuditSetup& setup, const std::string& command_line,
                                    AuditHosts& out) {
    std::vector<std::string> scan = a.scan_args;
    if (a.no_history) {
        scan.emplace_back("--no-history");
    }
    if (!a.db.empty()) {
        scan.push_back("--db=" + a.db);
    }
    scan.emplace_back("-p");
    scan.push_back(scan_ports(a, setup.policy));
    for (const std::string& t : audit::policy_targets(setup.policy)) {
        scan.push_back(t);
    }
    ScanHooks hooks;
    hooks.stdout_report = false;
    hooks.other_protocol_ports = true;
    hooks.host_done = [&](const HostResult& h) { out.hosts.push_back(h); };
    hooks.recorded = [&](std::int64_t id, HistoryStore& store) {  // every host is in by now
        out.scan_id = id;
        store_audit(store, audit_record(setup.policy, audit::evaluate(setup.policy, out.hosts, setup.today), id));
    };
    out.scan_code = scan_command(scan, command_line, hooks);
    if (out.scan_code == exit_bad_input) {
        return exit_audit_error;  // scan_command printed the one-line reason
    }
    return std::nullopt;
}

// Writes the report to standard output ("" or "-") or to the file `output`. A report that cannot
// be written is an audit error (exit 3), never a verdict: the exit code then.
std::optional<int> write_report(const std::string& output, const std::string& report) {
    if (output.empty() || output == "-") {
        std::fwrite(report.data(), 1, report.size(), stdout);
        if (std::fflush(stdout) != 0) {
            const int error = errno;
            std::clearerr(stdout);  // said here, not again by main()
            return audit_error(fmt::format("cannot write the report to standard output: {}", std::strerror(error)));
        }
    } else {
        std::FILE* f = std::fopen(output.c_str(), "w");
        int error = 0;
        if (f == nullptr || std::fwrite(report.data(), 1, report.size(), f) != report.size() || std::fflush(f) != 0) {
            error = errno != 0 ? errno : EIO;
        }
        if (f != nullptr && std::fclose(f) != 0 && error == 0) {
            error = errno;
        }
        if (error != 0) {
            return audit_error(fmt::format("cannot write the report to '{}': {}", output, std::strerror(error)));
        }
    }
    return std::nullopt;
}

}  // namespace

int audit_command(const std::vector<std::string>& args, const std::string& command_line) {
    auto a = split_args(args);
    if (!a) {
        return audit_error(a.error().message);
    }
    if (a->help) {
        fmt::print("{}", audit_usage);
        return exit_ok;
    }
    if (a->policy.empty()) {
        return audit_error("audit needs --policy FILE (see portwarden audit --help)");
    }
    auto setup = load_audit_setup(*a);
    if (!setup) {
        return audit_error(setup.error().message);
    }
    const audit::Policy& policy = setup->policy;
    AuditHosts in;
    if (auto code = a->from.empty() ? scan_audit_hosts(*a, *setup, command_line, in) : read_audit_hosts(*a, in)) {
        return *code;
    }
    audit::Evaluation evaluation = audit::evaluate(policy, in.hosts, setup->today);
    if (setup->ruleset) {
        const auto check =
            firewall::reconcile(*setup->ruleset, in.hosts, firewall::guess_technique(in.hosts), setup->listeners, {});
        audit::add_firewall_findings(evaluation, check);
    }
    if (!in.audit_db.empty()) {  // the scan was stored (or --from): its verdict goes next to it
        AuditRecord record = audit_record(policy, evaluation, in.scan_id);
        record.scan_name = in.scan_name;
        store_audit(in.audit_db, record);
    }
    const std::string report = audit::render_report(setup->format, policy, evaluation);
    if (auto code = write_report(a->output, report)) {
        return *code;
    }
    int code = static_cast<int>(evaluation.verdict);
    if (in.scan_code != exit_ok) {
        code = in.scan_code == 1 ? exit_audit_error : in.scan_code;  // stopped early / interrupted
    }
    if (setup->webhook) {
        const std::string json =
            setup->format == audit::ReportFormat::json ? report : audit::render_json(policy, evaluation);
        if (!send_webhook(*setup->webhook, a->webhook, json) && a->webhook_required) {
            return exit_audit_error;
        }
    }
    return code;
}

}  // namespace portwarden::cli

// `portwarden report RESULTS [--previous OLDER] [--policy FILE] [-o report.html]`: one
// self-contained HTML page with each host's port-state map, the policy violations and the drift
// since an older scan. RESULTS and OLDER are result files or history ids (@12, --db); a history
// scan without --previous is compared with the scan recorded before it.
// Exit codes: 0, 2 bad input (one line on stderr naming the file).
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/cli11_parse.hpp"
#include "cli/commands.hpp"
#include "cli/scan_source.hpp"
#include "portwarden/audit.hpp"
#include "portwarden/diff.hpp"
#include "portwarden/report.hpp"

namespace portwarden::cli {
namespace {

constexpr std::size_t kTimelineScans = 12;  // the last scans up to the one reported

std::size_t open_ports(const HostResult& h) {
    return static_cast<std::size_t>(std::count_if(h.ports.begin(), h.ports.end(),
                                                  [](const PortResult& p) { return p.state == PortState::open; }));
}

std::size_t changes(const ScanDiff& diff) {
    std::size_t n = 0;
    for (const HostDiff& h : diff.hosts) {
        n += h.ports.size() + (h.a != h.b ? 1 : 0);
    }
    return n;
}

// The history up to scan `id` (at most kTimelineScans scans): open ports per host and drift.
Result<std::vector<report::TimelineScan>> history_timeline(ScanSource& source, std::int64_t id) {
    auto store = source.store();
    if (!store) {
        return tl::unexpected(store.error());
    }
    auto scans = (*store)->list_scans();
    if (!scans) {
        return tl::unexpected(scans.error());
    }
    std::vector<ScanRecord> upto;
    for (const ScanRecord& r : *scans) {
        if (r.id <= id) {
            upto.push_back(r);
        }
    }
    const std::size_t first = upto.size() > kTimelineScans ? upto.size() - kTimelineScans : 0;
    std::vector<report::TimelineScan> out;
    std::vector<HostResult> before;
    for (std::size_t i = first; i < upto.size(); ++i) {
        auto hosts = (*store)->load_scan(upto[i].id);
        if (!hosts) {
            return tl::unexpected(hosts.error());
        }
        report::TimelineScan t{upto[i].id, upto[i].info.start_time, {}, 0};
        for (const HostResult& h : *hosts) {
            t.open.emplace_back(h.address, open_ports(h));
        }
        std::sort(t.open.begin(), t.open.end());
        t.changes = i == first ? 0 : changes(diff_scans(before, *hosts));
        before = std::move(*hosts);
        out.push_back(std::move(t));
    }
    return out;
}

}  // namespace

int report_command(const std::vector<std::string>& args) {
    CLI::App app{"portwarden report: one self-contained HTML page (port maps, violations, drift)",
                 "portwarden report"};
    std::string results;
    std::string previous;
    std::string policy_path;
    std::string output = "report.html";
    std::string db;
    app.add_option("RESULTS", results, "the scan: a -oJ/-oX file (ours or nmap's), or a history id (@12)")
        ->required();
    app.add_option("--previous", previous, "an older scan to show the drift from (file or @id)");
    app.add_option("--policy", policy_path, "check the scan against this policy (as `audit` does)");
    app.add_option("-o,--output", output, "where to write the page (default report.html; - for stdout)");
    app.add_option("--db", db, "history database for ids: PATH or postgresql://... (default: the user's)");
    if (auto code = parse_or_exit(app, args)) {
        return *code == 0 ? exit_ok : exit_bad_input;
    }
    if (auto code = reject_empty(app, "--db", db)) {
        return *code;
    }
    ScanSource source(db);
    auto hosts = source.load(results);
    if (!hosts) {
        return bad_input(hosts.error().message);
    }
    if (previous.empty()) {
        if (const auto id = history_id(results)) {
            auto before = source.previous_scan(*id);
            if (!before) {
                return bad_input(before.error().message);
            }
            if (*before) {
                previous = fmt::format("@{}", **before);
            }
        }
    }
    std::optional<ScanDiff> drift;
    if (!previous.empty()) {
        auto older = source.load(previous);
        if (!older) {
            return bad_input(older.error().message);
        }
        drift = diff_scans(*older, *hosts);
    }
    std::optional<audit::Policy> policy;
    std::optional<audit::Evaluation> evaluation;
    if (!policy_path.empty()) {
        auto loaded = audit::load_host_policy(policy_path);
        if (!loaded) {
            return bad_input(loaded.error().message);
        }
        policy = std::move(*loaded);
        evaluation = audit::evaluate(*policy, *hosts, audit::today_utc());
    }
    report::ReportInput in;
    in.name = results;
    in.hosts = &*hosts;
    in.policy = policy ? &*policy : nullptr;
    in.evaluation = evaluation ? &*evaluation : nullptr;
    in.previous_name = previous;
    in.drift = drift ? &*drift : nullptr;
    std::optional<std::vector<report::TimelineScan>> timeline;
    if (const auto id = history_id(results)) {
        auto loaded = history_timeline(source, *id);
        if (!loaded) {
            return bad_input(loaded.error().message);
        }
        timeline = std::move(*loaded);
    }
    in.timeline = timeline ? &*timeline : nullptr;
    const std::string page = report::render_html(in);
    if (output == "-") {
        std::fwrite(page.data(), 1, page.size(), stdout);
        return exit_ok;
    }
    std::FILE* f = std::fopen(output.c_str(), "w");
    if (f == nullptr) {
        return bad_input(fmt::format("{}: cannot write the report: {}", output, std::strerror(errno)));
    }
    const bool written = std::fwrite(page.data(), 1, page.size(), f) == page.size() && std::fflush(f) == 0;
    const int error = errno;
    if (std::fclose(f) != 0 || !written) {  // a full disk: said, exit 1 (as every output)
        fmt::print(stderr, "portwarden: {}: cannot write the report: {}\n", output,
                   std::strerror(written ? errno : error));
        return 1;
    }
    return exit_ok;
}

}  // namespace portwarden::cli

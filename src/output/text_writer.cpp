// Normal (human) output in nmap 7.93's layout, for the terminal and for -oN files.
//
//   Starting portwarden 0.1.0 at 2026-11-22 10:00 UTC
//   portwarden scan report for web (198.18.1.10)
//   Host is up, received syn-ack (0.00012s latency).
//   Not shown: 65530 closed tcp ports (conn-refused)
//   PORT     STATE SERVICE  REASON
//   22/tcp   open  ssh      syn-ack
//   8000/tcp open  http-alt syn-ack
//
//   portwarden done: 1 IP address (1 host up) scanned in 0.45 seconds
//
// A -sn scan (RunInfo::ping_only) reports each host in two lines and no empty line:
//
//   portwarden scan report for 198.18.5.1
//   Host is up, received echo-reply ttl 62 (0.000074s latency).
//
// What nmap does and we copy (output.cc printportoutput/write_host_header, nmap.cc):
// - a state with more than 25 ports (25 * (v + 1) with -v) is collapsed into "Not shown";
//   with --open every state that cannot be open is; several collapsed states are joined with
//   ", " (most ports first), and a state with several reasons or protocols gives one entry
//   per (reason, protocol), each "N <state> <proto> ports (<reason>)" ("port" when the whole
//   state has one port);
// - an empty line replaces "Not shown" when nothing is collapsed; the table follows, its
//   columns as wide as their widest cell plus one space, the last column not padded;
// - when every port is collapsed: "All N scanned ports on X are in ignored states." and no
//   table; with --open, hosts without a possibly-open port are not reported at all;
// - a host that is down is reported only with -v ("... [host down]"), and a scan of one host
//   that found it down ends with nmap's "Note: Host seems down..." hint;
// - "Network Distance: 3 hops" follows the port table (or "Host is up" with -sn), and the
//   TRACEROUTE section comes after an empty line (see route.hpp).
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "output/format.hpp"
#include "output/port_summary.hpp"
#include "output/route.hpp"
#include "output/service_text.hpp"
#include "output/text_table.hpp"
#include "output/writer.hpp"

namespace portwarden::output {
namespace {

enum class Style { terminal, file };

std::string reason_cell(const PortResult& p) {
    std::string cell(to_string(p.reason));
    if (p.reason_ip) {
        cell += fmt::format(" from {}", p.reason_ip->to_string());
    }
    if (p.reason_ttl && *p.reason_ttl != 0) {
        cell += fmt::format(" ttl {}", *p.reason_ttl);
    }
    return cell;
}

std::string port_table(const HostResult& host, const PortSummary& summary, const RunInfo& run) {
    std::vector<std::vector<std::string>> rows;
    rows.push_back({"PORT", "STATE", "SERVICE"});
    if (run.show_reason) {
        rows.front().emplace_back("REASON");
    }
    if (run.versions) {
        rows.front().emplace_back("VERSION");
    }
    for (const PortResult* p : summary.shown) {
        std::string service(service_name(run.services, p->port, p->proto));
        if (service.empty()) {
            service = "unknown";
        }
        const ServiceInfo* found = run.versions ? run.versions->find(host.address, p->proto, p->port) : nullptr;
        if (found != nullptr && !found->name.empty()) {
            service = found->name;
        } else if (run.versions && p->state == PortState::open) {
            service += '?';  // nmap: probed, but not recognised: the name is the table's guess
        }
        if (found != nullptr && found->tunnel == "ssl") {
            service = "ssl/" + service;
        }
        std::vector<std::string> row{fmt::format("{}/{}", p->port, to_string(p->proto)),
                                     std::string(to_string(p->state)), service};
        if (run.show_reason) {
            row.push_back(reason_cell(*p));
        }
        if (run.versions) {
            row.push_back(found != nullptr ? version_cell(*found) : std::string());
        }
        rows.push_back(std::move(row));
    }
    return render_table(rows);
}

// "Not shown: 65530 closed tcp ports (conn-refused), 2 filtered tcp ports (no-response)"
std::string not_shown_line(const PortSummary& summary) {
    std::vector<std::string> entries;
    for (const IgnoredState& s : summary.ignored) {
        for (const ReasonGroup& g : s.groups) {
            entries.push_back(fmt::format("{} {} {} {} ({})", g.ports.size(), to_string(s.state),
                                          to_string(g.proto), s.count == 1 ? "port" : "ports",
                                          to_string(g.reason)));
        }
    }
    return fmt::format("Not shown: {}", fmt::join(entries, ", "));
}

std::string status_line(const HostResult& host, const RunInfo& run) {
    std::string line = "Host is up";
    if (run.show_reason) {
        line += fmt::format(", received {}", to_string(host.reason));
        if (host.reason_ttl && *host.reason_ttl != 0) {
            line += fmt::format(" ttl {}", *host.reason_ttl);
        }
    }
    if (host.srtt_us) {
        line += fmt::format(" ({}s latency)", sig_digits(static_cast<double>(*host.srtt_us) / 1e6, 2));
    }
    return line + ".\n";
}

std::string incomplete_note(const HostResult& host, const RunInfo& run) {
    if (host.ports.size() < run.ports.size()) {
        return fmt::format("Note: the scan of this host did not finish ({} of {} ports have results); "
                           "the results are partial.\n",
                           host.ports.size(), run.ports.size());
    }
    return "Note: the scan of this host did not finish; the results are partial.\n";
}

// "Not shown" (or the empty line that stands for it) and the PORT table.
std::string port_section(const HostResult& host, const PortSummary& summary, const RunInfo& run) {
    if (summary.total == 0) {
        return {};
    }
    std::string out;
    if (summary.all_ignored()) {
        out += fmt::format("All {} scanned ports on {} are in ignored states.\n", summary.total, name_ip(host));
    }
    if (!summary.ignored.empty()) {
        out += not_shown_line(summary);
    }
    out += '\n';  // ends "Not shown", or stands alone when nothing is collapsed
    if (!summary.all_ignored()) {
        out += port_table(host, summary, run);
    }
    if (run.versions) {
        out += fingerprint_block(host, *run.versions);
        out += service_info_line(host, *run.versions);
    }
    return out;
}

std::string host_report(const HostResult& host, const RunInfo& run) {
    const IgnoreRule rule{run.open_only, run.verbosity, run.ping_only};
    const PortSummary summary = summarize_ports(host, rule);
    if (!host_shown(host, summary, rule)) {
        return {};
    }
    if (host.state == HostState::down) {
        std::string line = fmt::format("portwarden scan report for {} [host down", name_ip(host));
        if (run.show_reason) {
            line += fmt::format(", received {}", to_string(host.reason));
        }
        return line + "]\n";
    }
    std::string out = fmt::format("portwarden scan report for {}\n", name_ip(host));
    if (host.state == HostState::up) {
        out += status_line(host, run);
    }
    if (!host.complete) {
        out += incomplete_note(host, run);
    }
    if (!run.ping_only) {
        out += port_section(host, summary, run);
    }
    out += distance_text(host);
    if (host.responder) {
        for (const std::string& note : responder_notes(*host.responder)) {
            out += fmt::format("Responder: {}\n", note);
        }
    }
    const std::string trace = traceroute_text(host);
    out += trace;
    // nmap ends a host's report with an empty line, except in a -sn scan without --traceroute
    // (nmap.cc writes those hosts on a shorter path).
    if (!run.ping_only || !trace.empty()) {
        out += '\n';
    }
    return out;
}

std::string stop_line(const ScanSummary& summary) {
    if (summary.interrupted) {
        return "Scan interrupted: results above are partial\n";
    }
    if (!summary.error.empty()) {
        return fmt::format("Scan stopped early ({}): results above are partial\n", summary.error);
    }
    return {};
}

class TextWriter final : public Writer {
public:
    TextWriter(std::FILE* out, Style style) : out_(out), style_(style) {}

    void begin(const RunInfo& run) override {
        run_ = run;
        if (style_ == Style::terminal) {
            write(fmt::format("Starting {} at {}\n", version_text(run.version), start_line_time(run.start_time)));
        } else {
            write(fmt::format("# {} scan initiated {} as: {}\n", version_text(run.version),
                              ctime_text(run.start_time), run.args));
        }
    }

    void host(const HostResult& host) override { write(host_report(host, run_)); }

    void end(const ScanSummary& summary) override {
        std::string out = stop_line(summary);
        if (style_ == Style::terminal) {
            const HostCounts counts = host_counts(summary);
            if (!stopped_early(summary) && counts.scanned == 1 && counts.up == 0) {
                out += "Note: Host seems down. If it is really up, but blocking our ping probes, try -Pn\n";
            }
            out += fmt::format("portwarden done: {}\n", done_phrase(summary));
        } else {
            out += fmt::format("# portwarden done at {} -- {}\n", ctime_text(summary.end_time),
                               done_phrase(summary));
        }
        write(out);
    }

private:
    void write(const std::string& text) { write_flushed(out_, text); }

    std::FILE* out_;
    Style style_;
    RunInfo run_;
};

}  // namespace

std::unique_ptr<Writer> make_text_writer(std::FILE* out) {
    return std::make_unique<TextWriter>(out, Style::terminal);
}

std::unique_ptr<Writer> make_normal_file_writer(std::FILE* out) {
    return std::make_unique<TextWriter>(out, Style::file);
}

}  // namespace portwarden::output

// Grepable output (-oG) in nmap 7.93's format:
//
//   # portwarden 0.1.0 scan initiated Sun Nov 22 10:00:00 2026 as: portwarden -sT -oG - 198.18.1.10
//   Host: 198.18.1.10 ()	Status: Up
//   Host: 198.18.1.10 ()	Ports: 22/open/tcp//ssh///, 80/closed/tcp//http///	Ignored State: closed (65533)
//   # portwarden done at Sun Nov 22 10:00:00 2026 -- 1 IP address (1 host up) scanned in 0.45 seconds
//
// As in nmap: the parentheses after the address hold the reverse-DNS name, which we never
// look up (like nmap -n), so they are empty; ports of collapsed states are left out, and
// "Ignored State" is written only when exactly one state is collapsed; down hosts appear only
// with -v; "# Ports scanned: ..." is written with -v. An unfinished host is followed by a
// "# " comment line saying its results are partial (comment lines are skipped by readers).
// A -sn scan (RunInfo::ping_only) writes the Status line of each host and nothing else.
// Network distance and traceroute are not written (nmap has no grepable form for them).
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "output/format.hpp"
#include "output/port_summary.hpp"
#include "output/writer.hpp"

namespace portwarden::output {
namespace {

// nmap puts the reverse-DNS name in the parentheses (empty without -R, as with nmap -n).
std::string host_prefix(const HostResult& host) {
    return fmt::format("Host: {} ({})", host.address.to_string(), visible_text(host.ptr_name));
}

std::string status_word(HostState state) {
    switch (state) {
        case HostState::up: return "Up";
        case HostState::down: return "Down";
        case HostState::unknown: break;
    }
    return "Unknown";
}

// "22/open/tcp//ssh///": port/state/protocol/owner/service/rpc info/version/
std::string port_entry(const PortResult& p, const RunInfo& run) {
    std::string service(service_name(run.services, p.port, p.proto));
    for (char& c : service) {
        if (c == '/') {
            c = '|';
        }
    }
    return fmt::format("{}/{}/{}//{}///", p.port, to_string(p.state), to_string(p.proto), service);
}

std::string ports_line(const HostResult& host, const PortSummary& summary, const RunInfo& run) {
    std::vector<std::string> entries;
    for (const PortResult* p : summary.shown) {
        entries.push_back(port_entry(*p, run));
    }
    std::string line = fmt::format("{}\tPorts: {}", host_prefix(host), fmt::join(entries, ", "));
    if (summary.ignored.size() == 1) {
        line += fmt::format("\tIgnored State: {} ({})", to_string(summary.ignored.front().state),
                            summary.ignored.front().count);
    }
    return line + "\n";
}

std::string host_lines(const HostResult& host, const RunInfo& run) {
    const IgnoreRule rule{run.open_only, run.verbosity, run.ping_only};
    const PortSummary summary = summarize_ports(host, rule);
    if (!host_shown(host, summary, rule)) {
        return {};
    }
    std::string out = fmt::format("{}\tStatus: {}\n", host_prefix(host), status_word(host.state));
    if (host.state == HostState::down || run.ping_only) {
        return out;  // nmap: a down host, or any host of a -sn scan, is its Status line alone
    }
    // nmap ends the Ports line with the host's closing newline; without ports it is a blank line.
    out += summary.total > 0 ? ports_line(host, summary, run) : "\n";
    if (!host.complete) {
        out += fmt::format("# Host {}: the scan did not finish, results are partial\n", host.address.to_string());
    }
    return out;
}

std::string ports_scanned_comment(const PortList& ports) {
    return fmt::format("# Ports scanned: TCP({};{}) UDP({};{}) SCTP(0;) PROTOCOLS(0;)\n", ports.tcp.size(),
                       range_list(ports.tcp), ports.udp.size(), range_list(ports.udp));
}

class GrepableWriter final : public Writer {
public:
    explicit GrepableWriter(std::FILE* out) : out_(out) {}

    void begin(const RunInfo& run) override {
        run_ = run;
        std::string out = fmt::format("# {} scan initiated {} as: {}\n", version_text(run.version),
                                      ctime_text(run.start_time), run.args);
        if (run.verbosity > 0) {
            out += ports_scanned_comment(run.ping_only ? PortList{} : run.ports);
        }
        write(out);
    }

    void host(const HostResult& host) override { write(host_lines(host, run_)); }

    void end(const ScanSummary& summary) override {
        std::string out;
        if (summary.interrupted) {
            out += "# Scan interrupted: results above are partial\n";
        } else if (!summary.error.empty()) {
            out += fmt::format("# Scan stopped early ({}): results above are partial\n", summary.error);
        }
        out += fmt::format("# portwarden done at {} -- {}\n", ctime_text(summary.end_time), done_phrase(summary));
        write(out);
    }

private:
    void write(const std::string& text) { write_flushed(out_, text); }

    std::FILE* out_;
    RunInfo run_;
};

}  // namespace

std::unique_ptr<Writer> make_grepable_writer(std::FILE* out) { return std::make_unique<GrepableWriter>(out); }

}  // namespace portwarden::output

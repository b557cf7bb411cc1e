// JSON Lines output (-oJ): one JSON object per line, written and flushed as each host
// finishes, so `tail -f` and line-by-line readers see results at once.
//
// Schema (every record has "type"; keys appear in the order shown). The machine-readable
// form is schema/portwarden-jsonl.schema.json (checked against real output by
// tests/cli/nmap_habits_test.sh); bump kSchemaVersion when a field changes meaning or goes.
//
//   {"type":"run", ...}      one, first:
//     schema     string  "portwarden-jsonl"
//     version    number  kSchemaVersion (1); a reader refuses a version it does not know
//     scanner    string  "portwarden"
//     scanner_version string
//     args       string  the command line
//     start      string  UTC start time
//     open_only  bool    --open: only hosts with a possibly open port, and only their
//                        open, open|filtered and unfiltered ports, are written (as nmap)
//     scan_types array   port scans: [{type, protocol}], e.g. syn/tcp then udp/udp (-sS -sU)
//
//   {"type":"port", ...}     one per port result of every host that has any, closed and
//                            filtered ports included (unless --open), written before that
//                            host's "host" record:
//     host       string  scanned address ("198.18.1.10", "fd00::1")
//     hostname   string  the name the user gave for it, "" if none
//     proto      string  "tcp" | "udp"
//     port       number  1-65535
//     state      string  nmap's state: "open", "closed", "filtered", "unfiltered",
//                        "open|filtered", "closed|filtered"
//     reason     string  nmap's reason: "syn-ack", "conn-refused", "reset", "no-response", ...
//     ttl        number  TTL of the reply that decided the state       (only when known)
//     rtt_us     number  round trip of the deciding probe, microseconds (only when known)
//     reason_ip  string  the reply came from this other address        (only when known)
//     forged     string  the deciding reply was forged by a middlebox: the confidence,
//                        "low"|"medium"|"high" (see the host's "responder")  (only then)
//     service    object  -sV's finding (only when the probes identified the port):
//                        {"name":"ssh","product":"OpenSSH","version":"9.2p1 Debian 2+deb12u3",
//                        "extrainfo":"protocol 2.0","hostname":..,"ostype":"Linux",
//                        "devicetype":..,"cpe":["cpe:/a:openbsd:openssh:9.2p1"],
//                        "method":"probed","conf":10}; empty fields are left out
//     time       string  when the host's results were final, UTC, "2026-11-22T10:00:00Z"
//
//   {"type":"host", ...}     one per host, after its port records:
//     host, hostname         as above
//     ptr        string  reverse-DNS name (-R)                          (only when found)
//     status     string  "up" | "down" | "unknown"
//     reason     string  what decided the status ("syn-ack", "conn-refused", "no-response", ...)
//     srtt_us    number  smoothed round-trip time, microseconds        (only when known)
//     hops       number  routers between us and the host, from the reply TTL (only when known)
//     distance   number  nmap's "Network Distance": hops + 1             (only with hops)
//     complete   bool    false: the scan stopped before every port of the host was settled
//     ports_scanned number  port records written for this host (with --open: the shown ones)
//     start, end string  UTC times the host's scan started and finished
//     trace_proto string  --traceroute: the probe used, "tcp" | "udp" | "icmp", "" when the
//                        host is on our link and none was sent     (only with a trace)
//     trace_port number  its port, tcp and udp                         (only with a trace)
//     trace      array   --traceroute, TTL 1 upward:                   (only with a trace)
//                        {"ttl":1,"address":"198.18.0.1","rtt_us":120}; a hop that did not
//                        answer is {"ttl":2} alone
//     responder  object  raw port scans, who really answered (README "Who really answered";
//                        absent with --no-responder-analysis):
//                        baseline {ttl, hops, from: "syn-ack"|"rst", replies, rst_ip_id,
//                          syn_ack_ip_id: "none"|"zero"|"constant"|"varied", rst_window?}
//                          (absent when no reply surely came from the host);
//                        forged [{proto, port, kind: "rst"|"syn-ack", ttl, confidence:
//                          "low"|"medium"|"high", evidence}]: replies forged by a middlebox;
//                        spoofer {kind: "port-spoofer"|"tarpit", confidence, open, probed,
//                          evidence} (only when found);
//                        filters [{address, ports, reasons: ["admin-prohibited", ...]}]: other
//                          addresses whose ICMP errors decided ports
//   A -sn scan (discovery only) writes no port records: its hosts have "ports_scanned":0.
//
//   {"type":"summary", ...}  one, last:
//     hosts_total     number  hosts reported (on an early stop: the hosts handed over so far)
//     hosts_up        number
//     probes_sent     number  including retransmissions
//     retransmissions number
//     elapsed_s       number  wall-clock seconds, millisecond precision
//     interrupted     bool    true: stopped by Ctrl-C, results are partial
//     ping_only       bool    true: a -sn scan, host discovery only     (only when it was)
//     error           string  why the scan stopped early                (only when it did)
//     replies_matched, replies_unmatched, ring_drops  number  raw scans: receive statistics
//     replies_rejected  object  raw scans: malformed, bad_checksum, unknown_probe (part of
//                       replies_unmatched), not_sent, late (validated, yet no answer to a port
//                       still open to one): counts of frames
//     rate_limited    array   raw scans: hosts whose ICMP rate limit paced the scan
//     drift           object  when ports differed from the history and were probed again:
//                             {reprobed, confirmed, reverted} (see ScanSummary)  (only then)
//     shard           object  --shard / --scan-id: {scan_id, index, count, seed, technique}
//                             (scan_id "" when none was given); `portwarden merge` reads it
//     resume          object  interrupted raw scans: {fingerprint, seed, group, position};
//                             `portwarden scan ... --resume THIS_FILE` finishes the scan
//
// Strings are UTF-8; bytes that are not valid UTF-8 are replaced with U+FFFD.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "output/format.hpp"
#include "output/json_port_lines.hpp"
#include "output/port_summary.hpp"
#include "output/route.hpp"
#include "output/writer.hpp"
#include "responder/json.hpp"

namespace portwarden::output {
namespace {

using Json = nlohmann::ordered_json;

std::string dump_line(const Json& record) {
    return record.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

Json trace_array(const std::vector<TraceHop>& trace) {
    Json hops = Json::array();
    for (const TraceHop& hop : trace) {
        Json j;
        j["ttl"] = hop.ttl;
        if (hop.address) {
            j["address"] = hop.address->to_string();
            j["rtt_us"] = hop.rtt_us;
        }
        hops.push_back(std::move(j));
    }
    return hops;
}

Json host_record(const HostResult& host, std::size_t ports_written) {
    Json j;
    j["type"] = "host";
    j["host"] = host.address.to_string();
    j["hostname"] = host.hostname;
    if (!host.ptr_name.empty()) {
        j["ptr"] = host.ptr_name;
    }
    j["status"] = to_string(host.state);
    j["reason"] = to_string(host.reason);
    if (host.srtt_us) {
        j["srtt_us"] = *host.srtt_us;
    }
    if (const std::optional<unsigned> distance = network_distance(host)) {
        j["hops"] = *host.hops;
        j["distance"] = *distance;
    }
    j["complete"] = host.complete;
    j["ports_scanned"] = ports_written;
    j["start"] = iso_utc(host.start_time);
    j["end"] = iso_utc(host.end_time);
    if (!host.trace.empty()) {
        j["trace_proto"] = host.trace_proto;
        if (trace_probe(host).port) {
            j["trace_port"] = host.trace_port;
        }
        j["trace"] = trace_array(host.trace);
    }
    if (host.responder) {
        j["responder"] = responder::to_json(*host.responder);
    }
    return j;
}

Json summary_record(const ScanSummary& summary, bool ping_only) {
    const HostCounts counts = host_counts(summary);
    Json j;
    j["type"] = "summary";
    j["hosts_total"] = counts.scanned;
    j["hosts_up"] = counts.up;
    j["probes_sent"] = summary.probes_sent;
    j["retransmissions"] = summary.retransmissions;
    j["elapsed_s"] = std::round(to_seconds(summary.elapsed) * 1000.0) / 1000.0;
    j["interrupted"] = summary.interrupted;
    if (ping_only) {
        j["ping_only"] = true;
    }
    if (summary.engine.rfind("raw", 0) == 0) {
        j["replies_matched"] = summary.replies_matched;
        j["replies_unmatched"] = summary.replies_unmatched;
        j["ring_drops"] = summary.ring_drops;
        const auto& r = summary.rejected;
        j["replies_rejected"] = {{"malformed", r.malformed}, {"bad_checksum", r.bad_checksum},
                                 {"unknown_probe", r.unknown_probe}, {"not_sent", r.not_sent}, {"late", r.late}};
        Json limited = Json::array();
        for (const auto& a : summary.rate_limited) {
            limited.push_back(a.to_string());
        }
        j["rate_limited"] = limited;
    }
    if (summary.drift_reprobed > 0) {
        j["drift"] = {{"reprobed", summary.drift_reprobed},
                      {"confirmed", summary.drift_confirmed},
                      {"reverted", summary.drift_reverted}};
    }
    if (summary.shard) {
        j["shard"] = {{"scan_id", summary.shard->scan_name},
                      {"index", summary.shard->index},
                      {"count", summary.shard->count},
                      {"seed", summary.shard->seed},
                      {"technique", summary.shard->technique}};
    }
    if (summary.resume_point && !summary.resume_fingerprint.empty()) {
        j["resume"] = {{"fingerprint", summary.resume_fingerprint},
                       {"seed", summary.seed},
                       {"group", summary.resume_point->group},
                       {"position", summary.resume_point->position}};
    }
    if (!summary.error.empty()) {
        j["error"] = summary.error;
    }
    return j;
}

Json run_record(const RunInfo& run) {
    Json j;
    j["type"] = "run";
    j["schema"] = "portwarden-jsonl";
    j["version"] = kJsonSchemaVersion;
    j["scanner"] = "portwarden";
    j["scanner_version"] = run.version;
    j["args"] = run.args;
    j["start"] = iso_utc(run.start_time);
    j["open_only"] = run.open_only;
    if (!run.ping_only) {  // nmap's <scaninfo> types: one, or a TCP one and "udp" (-sS -sU)
        Json types = Json::array();
        const auto add = [&types](Technique t) {
            types.push_back(Json{{"type", to_string(t)}, {"protocol", t == Technique::udp ? "udp" : "tcp"}});
        };
        add(run.technique);
        if (run.with_udp && run.technique != Technique::udp) {
            add(Technique::udp);
        }
        j["scan_types"] = std::move(types);
    }
    return j;
}

class JsonWriter final : public Writer {
public:
    explicit JsonWriter(std::FILE* out) : out_(out) {}

    void begin(const RunInfo& run) override {
        ping_only_ = run.ping_only;
        open_only_ = run.open_only && !run.ping_only;
        write(dump_line(run_record(run)));
        versions_ = run.versions;
    }

    // A host's lines go out in pieces of about kChunk bytes through one reused buffer: a -p- host
    // has ~10 MB of them, which as one string would cost a page fault per 4 KB and its peak size
    // in memory. The host record, last, ends the host's output and flushes it.
    void host(const HostResult& host) override {
        std::string& out = buffer_;
        out.clear();
        std::size_t written = 0;
        if (open_only_ && std::none_of(host.ports.begin(), host.ports.end(),
                                       [](const PortResult& p) { return possibly_open(p.state); })) {
            return;  // --open: nothing of this host is shown
        }
        if (!ping_only_) {
            PortLines lines(host, versions_.get());
            out.reserve(kChunk + lines.typical_line() + 1024);
            for (const PortResult& p : host.ports) {
                if (open_only_ && !possibly_open(p.state)) {
                    continue;
                }
                ++written;
                lines.append(out, p);
                if (out.size() >= kChunk) {
                    std::fwrite(out.data(), 1, out.size(), out_);
                    out.clear();
                }
            }
        }
        out += dump_line(host_record(host, written));
        write(out);
        if (out.capacity() > 2 * kChunk) {
            std::string().swap(out);  // a long reverse-DNS name or trace: do not keep its size
        }
    }

    void end(const ScanSummary& summary) override { write(dump_line(summary_record(summary, ping_only_))); }

private:
    void write(const std::string& text) { write_flushed(out_, text); }

    static constexpr std::size_t kChunk = std::size_t{1} << 18;
    std::FILE* out_;
    bool ping_only_ = false;
    bool open_only_ = false;
    std::shared_ptr<const ServiceFindings> versions_;  // -sV
    std::string buffer_;
};

}  // namespace

std::unique_ptr<Writer> make_json_writer(std::FILE* out) { return std::make_unique<JsonWriter>(out); }

}  // namespace portwarden::output

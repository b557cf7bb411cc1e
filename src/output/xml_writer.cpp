// Nmap XML output (-oX): the element structure nmap 7.93 writes for `-sT --reason`, valid
// against /usr/share/nmap/nmap.dtd and readable by ndiff and other nmap XML consumers.
//
// The scanner attribute: nmap.dtd declares `scanner (nmap) #REQUIRED`, so "nmap" is the only
// value a valid document can carry; "portwarden" would make every file fail validation and
// break tools that check it. We read the attribute as naming the format dialect, and say who
// really wrote the file wherever the format leaves room: version="0.1.0" is portwarden's own
// version (never a made-up nmap version), the leading comment reads "portwarden 0.1.0 scan
// initiated ...", args holds our command line and the runstats summary says
// "portwarden done at ...".
//
// A -sn scan (RunInfo::ping_only) is written as nmap -sn writes it: no <scaninfo>, and hosts
// without <ports> or starttime/endtime. <distance> and <trace> follow nmap's -O/--traceroute
// output (route.hpp).
//
// Streaming: begin() writes the prologue, <nmaprun> and <scaninfo>; host() writes one
// complete <host> element; end() writes <runstats> and closes <nmaprun>. Each call flushes,
// so a file cut short by a crash holds every host finished so far. After Ctrl-C the file is
// still complete and valid: <finished exit="error" errormsg="Interrupted"/>.
//
// Where we differ from nmap: <times rttvar> and <times to> are "-1" (nmap's "not known"
// value) because the engine reports only the smoothed RTT; an unfinished host carries a
// comment="..." attribute (nmap.dtd allows one) saying its results are partial; a trace with
// ICMPv6 probes says proto="ipv6-icmp" (nmap 7.93 writes no proto for those, by an oversight
// in printtraceroute_xml; its text output names them "58/ipv6-icmp").
#include <array>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "output/format.hpp"
#include "output/port_summary.hpp"
#include "output/route.hpp"
#include "output/writer.hpp"
#include "version/service_fp.hpp"

namespace portwarden::output {
namespace {

// Where nmap's --webxml points browsers; the default (a file under nmap's install prefix)
// may not exist where the file is opened.
constexpr const char* stylesheet_href = "https://svn.nmap.org/nmap/docs/nmap.xsl";
constexpr const char* xml_output_version = "1.05";
constexpr int table_confidence = 3;  // nmap's confidence for a name taken from the services table

std::string attr(const char* name, std::string_view value) {
    return fmt::format(" {}=\"{}\"", name, xml_escape(value));
}

// nmap's spelling of --scanflags: the names of the set flags, lowest bit first ("FINSYN").
std::string flag_names(std::uint8_t flags) {
    constexpr std::array<std::string_view, 8> names{"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"};
    std::string out;
    for (std::size_t bit = 0; bit < names.size(); ++bit) {
        if ((unsigned{flags} >> bit & 1U) != 0) {
            out += names[bit];
        }
    }
    return out;
}

std::string scaninfo(std::string_view type, std::string_view proto, const std::vector<std::uint16_t>& ports,
                     std::optional<std::uint8_t> scan_flags = std::nullopt) {
    return fmt::format("<scaninfo{}{}{} numservices=\"{}\"{}/>\n", attr("type", type),
                       scan_flags ? attr("scanflags", flag_names(*scan_flags)) : std::string(),
                       attr("protocol", proto), ports.size(), attr("services", range_list(ports)));
}

std::string scaninfos(const RunInfo& run) {
    if (run.technique == Technique::udp) {
        return scaninfo("udp", "udp", run.ports.udp);
    }
    std::string out;
    if (!run.ports.tcp.empty() || run.ports.udp.empty()) {
        out += scaninfo(to_string(run.technique), "tcp", run.ports.tcp, run.scan_flags);
    }
    if (!run.ports.udp.empty()) {
        out += scaninfo("udp", "udp", run.ports.udp);
    }
    return out;
}

// <status>, <address> and <hostnames> (nmap's write_xml_initial_hostinfo).
std::string host_identity(const HostResult& host) {
    std::string out = fmt::format("<status state=\"{}\"{} reason_ttl=\"{}\"/>\n", to_string(host.state),
                                  attr("reason", to_string(host.reason)), host.reason_ttl.value_or(0));
    out += fmt::format("<address{} addrtype=\"{}\"/>\n", attr("addr", host.address.to_string()),
                       host.address.is_v4() ? "ipv4" : "ipv6");
    if (!host.hostname.empty() || !host.ptr_name.empty() || host.state == HostState::up) {
        out += "<hostnames>\n";
        if (!host.hostname.empty()) {
            out += fmt::format("<hostname{} type=\"user\"/>\n", attr("name", host.hostname));
        }
        if (!host.ptr_name.empty()) {
            out += fmt::format("<hostname{} type=\"PTR\"/>\n", attr("name", host.ptr_name));
        }
        out += "</hostnames>\n";
    }
    return out;
}

// -sV's answer, as nmap writes it: the non-empty fields, the fingerprint (its "\nSF:" breaks
// taken out) and tunnel, method="probed" (for a port nothing recognised: the table's name,
// method="table"), the CPEs as children.
std::string probed_service(const ServiceInfo& s, std::string_view table_name) {
    const bool recognised = !s.name.empty();
    std::string out = "<service" + attr("name", recognised ? std::string_view(s.name)
                                                           : table_name.empty() ? "unknown" : table_name);
    for (const auto& [name, value] : {std::pair{"product", &s.product}, std::pair{"version", &s.version},
                                      std::pair{"extrainfo", &s.extrainfo}, std::pair{"hostname", &s.hostname},
                                      std::pair{"ostype", &s.ostype}, std::pair{"devicetype", &s.devicetype}}) {
        if (!value->empty()) {
            out += attr(name, *value);
        }
    }
    if (!s.servicefp.empty()) {
        out += attr("servicefp", version::unwrap_fingerprint(s.servicefp));
    }
    if (!s.tunnel.empty()) {
        out += attr("tunnel", s.tunnel);
    }
    out += fmt::format(" method=\"{}\" conf=\"{}\"", recognised ? "probed" : "table", s.conf);
    if (s.cpes.empty()) {
        return out + "/>";
    }
    out += ">";
    for (const std::string& cpe : s.cpes) {
        out += fmt::format("<cpe>{}</cpe>", xml_escape(cpe));
    }
    return out + "</service>";
}

std::string port_element(const PortResult& p, const Address& address, const RunInfo& run) {
    std::string out = fmt::format("<port protocol=\"{}\" portid=\"{}\">", to_string(p.proto), p.port);
    out += fmt::format("<state{}{} reason_ttl=\"{}\"", attr("state", to_string(p.state)),
                       attr("reason", to_string(p.reason)), p.reason_ttl.value_or(0));
    if (p.reason_ip) {
        out += attr("reason_ip", p.reason_ip->to_string());
    }
    out += "/>";
    const std::string_view service = service_name(run.services, p.port, p.proto);
    if (const ServiceInfo* found = run.versions ? run.versions->find(address, p.proto, p.port) : nullptr) {
        return out + probed_service(*found, service) + "</port>\n";
    }
    if (!service.empty()) {
        out += fmt::format("<service{} method=\"table\" conf=\"{}\"/>", attr("name", service), table_confidence);
    }
    return out + "</port>\n";
}

std::string ports_element(const PortSummary& summary, const Address& address, const RunInfo& run) {
    if (summary.total == 0) {
        return {};
    }
    std::string out = "<ports>";
    for (const IgnoredState& s : summary.ignored) {
        out += fmt::format("<extraports{} count=\"{}\">\n", attr("state", to_string(s.state)), s.count);
        for (const ReasonGroup& g : s.groups) {
            out += fmt::format("<extrareasons{} count=\"{}\" proto=\"{}\"{}/>\n", attr("reason", to_string(g.reason)),
                               g.ports.size(), to_string(g.proto), attr("ports", range_list(g.ports)));
        }
        out += "</extraports>\n";
    }
    for (const PortResult* p : summary.shown) {
        out += port_element(*p, address, run);
    }
    return out + "</ports>\n";
}

// <distance> and <trace> in nmap's places: after <ports> (and nmap's <os>), before <times>.
std::string route_elements(const HostResult& host) {
    std::string out;
    if (const std::optional<unsigned> distance = network_distance(host)) {
        out += fmt::format("<distance value=\"{}\"/>\n", *distance);
    }
    if (host.trace.empty()) {
        return out;
    }
    const TraceProbe probe = trace_probe(host);
    out += "<trace";
    if (probe.port) {
        out += fmt::format(" port=\"{}\"", *probe.port);
    }
    if (!probe.proto.empty()) {
        out += attr("proto", probe.proto);
    }
    out += ">\n";
    for (const TraceHop& hop : host.trace) {
        if (hop.address) {  // nmap leaves silent hops out
            out += fmt::format("<hop ttl=\"{}\"{} rtt=\"{}\"/>\n", hop.ttl, attr("ipaddr", hop.address->to_string()),
                               rtt_ms(hop.rtt_us));
        }
    }
    return out + "</trace>\n";
}

// Who really answered: nmap.dtd has no element or attribute for it, so the notes go in a
// comment (valid anywhere, ignored by DTD validation). Entities mean nothing in a comment, so
// the note is written as it is, but "--" may not appear inside one.
std::string responder_comment(const HostResult& host) {
    if (!host.responder || !host.responder->has_findings()) {
        return {};
    }
    std::string out;
    for (std::string note : responder_notes(*host.responder)) {
        for (auto at = note.find("--"); at != std::string::npos; at = note.find("--", at)) {
            note.replace(at, 2, "- ");
        }
        out += fmt::format("<!-- portwarden responder: {} -->\n", note);
    }
    return out;
}

std::string host_element(const HostResult& host, const RunInfo& run) {
    const IgnoreRule rule{run.open_only, run.verbosity, run.ping_only};
    const PortSummary summary = summarize_ports(host, rule);
    if (!host_shown(host, summary, rule)) {
        return {};
    }
    if (host.state == HostState::down) {
        return "<host>" + host_identity(host) + "</host>\n";  // as nmap: no times, no ports
    }
    std::string out = "<host";
    if (!run.ping_only) {  // nmap -sn writes no host times
        out += fmt::format(" starttime=\"{}\" endtime=\"{}\"", epoch_seconds(host.start_time),
                           epoch_seconds(host.end_time));
    }
    if (!host.complete) {
        out += attr("comment", "incomplete: the scan stopped before every port of this host was settled");
    }
    out += '>';
    out += host_identity(host);
    if (!run.ping_only) {
        out += ports_element(summary, host.address, run);
    }
    out += route_elements(host);
    out += responder_comment(host);
    if (host.srtt_us) {
        out += fmt::format("<times srtt=\"{}\" rttvar=\"-1\" to=\"-1\"/>\n", *host.srtt_us);
    }
    return out + "</host>\n";
}

class XmlWriter final : public Writer {
public:
    explicit XmlWriter(std::FILE* out) : out_(out) {}

    void begin(const RunInfo& run) override {
        run_ = run;
        const std::string started = ctime_text(run.start_time);
        const std::string version = run.version.empty() ? std::string(PW_VERSION) : run.version;
        std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE nmaprun>\n";
        out += fmt::format("<?xml-stylesheet href=\"{}\" type=\"text/xsl\"?>\n", stylesheet_href);
        out += fmt::format("<!-- {} scan initiated {} as: {} -->\n", xml_escape(version_text(version)),
                           xml_escape(started), xml_escape(run.args));
        out += fmt::format("<nmaprun scanner=\"nmap\"{} start=\"{}\"{}{} xmloutputversion=\"{}\">\n",
                           attr("args", run.args), epoch_seconds(run.start_time), attr("startstr", started),
                           attr("version", version), xml_output_version);
        if (!run.ping_only) {  // nmap -sn writes no <scaninfo>
            out += scaninfos(run);
        }
        out += fmt::format("<verbose level=\"{}\"/>\n<debugging level=\"{}\"/>\n", run.verbosity,
                           run.debugging);
        write(out);
    }

    void host(const HostResult& host) override { write(host_element(host, run_)); }

    void end(const ScanSummary& summary) override {
        const HostCounts counts = host_counts(summary);
        const std::string finished = ctime_text(summary.end_time);
        std::string out = fmt::format("<runstats><finished time=\"{}\"{}{} elapsed=\"{:.2f}\"",
                                      epoch_seconds(summary.end_time), attr("timestr", finished),
                                      attr("summary", fmt::format("portwarden done at {}; {}", finished,
                                                                  done_phrase(summary))),
                                      to_seconds(summary.elapsed));
        if (summary.interrupted) {
            out += " exit=\"error\" errormsg=\"Interrupted\"";
        } else if (!summary.error.empty()) {
            out += " exit=\"error\"" + attr("errormsg", summary.error);
        } else {
            out += " exit=\"success\"";
        }
        out += fmt::format("/><hosts up=\"{}\" down=\"{}\" total=\"{}\"/>\n</runstats>\n</nmaprun>\n", counts.up,
                           counts.scanned - counts.up, counts.scanned);
        write(out);
    }

private:
    void write(const std::string& text) { write_flushed(out_, text); }

    std::FILE* out_;
    RunInfo run_;
};

}  // namespace

std::unique_ptr<Writer> make_xml_writer(std::FILE* out) { return std::make_unique<XmlWriter>(out); }

}  // namespace portwarden::output

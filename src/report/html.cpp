// The HTML report page: a summary, the policy findings, the drift and a section per host. One
// file, nothing fetched: the CSS is inline, the maps are inline SVG, there are no scripts.
#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "output/format.hpp"
#include "portwarden/report.hpp"

namespace portwarden::report {
namespace {

using output::xml_escape;

constexpr std::size_t max_port_rows = 500;  // per host and protocol: the rest is counted

constexpr std::string_view css = R"(
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222;background:#fff}
h1{margin-top:0}h2{border-bottom:1px solid #ccc;padding-bottom:.2em}
table{border-collapse:collapse;margin:.5em 0 1em}
th,td{border:1px solid #ccc;padding:.2em .6em;text-align:left;font-size:.9em}
th{background:#eee}
.maps{display:flex;flex-wrap:wrap;gap:1.5em}
figure{margin:0}figcaption{font-size:.85em;color:#555}
svg.portmap{border:1px solid #999;image-rendering:pixelated}
circle.ring{fill:none;stroke:#d01c8b;stroke-width:1.6}
.leader{stroke:#d01c8b;stroke-width:.8}
rect.label-bg{fill:#fff;stroke:#d01c8b;stroke-width:.6}
.marker-label{fill:#111;font-family:system-ui,sans-serif}
ul.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:1em;font-size:.85em}
.swatch{display:inline-block;width:.9em;height:.9em;border:1px solid #777;margin-right:.3em;vertical-align:middle}
.st-open{fill:#1a9850;background:#1a9850}
.st-closed{fill:#4575b4;background:#4575b4}
.st-filtered{fill:#b0b0b0;background:#b0b0b0}
.st-unfiltered{fill:#fee08b;background:#fee08b}
.st-open-filtered{fill:#f46d43;background:#f46d43}
.st-closed-filtered{fill:#8073ac;background:#8073ac}
.st-none{fill:#f4f4f4;background:#f4f4f4}
tr.violation td:first-child{border-left:4px solid #d73027}
tr.inconclusive td:first-child{border-left:4px solid #fdae61}
.verdict-compliant{color:#1a9850}.verdict-violations{color:#d73027}.verdict-inconclusive{color:#b35806}
.meta{color:#555}
svg.timeline{border:1px solid #ccc;font-family:system-ui,sans-serif}
svg.timeline .axis{stroke:#999}svg.timeline .tick{font-size:10px;fill:#555}
svg.timeline .panel{font-size:11px;fill:#333}svg.timeline .legend-line{font-size:11px;fill:#222}
polyline.host-line{fill:none;stroke-width:2}rect.drift-bar{fill:#fc8d59}
)";

std::string port_side(const PortSide& side) {
    return fmt::format("{} ({})", to_string(side.state), to_string(side.reason));
}

bool same(const PortSide& x, const PortSide& y) { return x.state == y.state && x.reason == y.reason; }

std::string port_range(std::uint16_t first, std::uint16_t last, Proto proto) {
    return first == last ? fmt::format("{}/{}", first, to_string(proto))
                         : fmt::format("{}-{}/{}", first, last, to_string(proto));
}

// A finding's message with its own "PORT/PROTO" cut out: findings that differ only by port
// (a stealth group's 65 000 open|filtered ports) have the same text.
std::string without_port(const audit::Finding& f) {
    std::string text = f.message;
    if (f.proto) {
        const std::string port = fmt::format("{}/{}", f.port, to_string(*f.proto));
        if (const auto at = text.find(port); at != std::string::npos) {
            text.replace(at, port.size(), "\x01");
        }
    }
    return text;
}

// Runs of findings that differ only by consecutive ports: [first, last) into `findings`.
std::size_t run_end(const std::vector<audit::Finding>& findings, std::size_t first) {
    const audit::Finding& f = findings[first];
    if (!f.proto) {
        return first + 1;
    }
    const std::string key = without_port(f);
    std::size_t end = first + 1;
    while (end < findings.size()) {
        const audit::Finding& g = findings[end];
        if (g.kind != f.kind || g.group != f.group || g.host != f.host || g.proto != f.proto || g.state != f.state ||
            g.pos.line != f.pos.line || g.port != findings[end - 1].port + 1 || without_port(g) != key) {
            break;
        }
        ++end;
    }
    return end;
}

std::string host_title(const HostResult& h) {
    std::string title = h.address.to_string();
    const std::string& name = !h.hostname.empty() ? h.hostname : h.ptr_name;
    if (!name.empty()) {
        title += fmt::format(" ({})", name);
    }
    return xml_escape(title);
}

std::string violations_section(const audit::Policy& policy, const audit::Evaluation& ev) {
    std::string out = fmt::format(
        "<section id=\"violations\"><h2>Policy: {}</h2><p>Verdict: <strong class=\"verdict-{}\">{}</strong> "
        "({} hosts, {} ports checked)</p>",
        xml_escape(policy.path), to_string(ev.verdict), to_string(ev.verdict), ev.hosts_checked, ev.ports_checked);
    if (ev.findings.empty()) {
        return out + "<p>No findings.</p></section>";
    }
    out += "<table class=\"findings\"><tr><th>Rule</th><th>Group</th><th>Host</th><th>Port</th><th>State</th>"
           "<th>Finding</th><th>Policy line</th></tr>";
    for (std::size_t i = 0; i < ev.findings.size();) {
        const audit::Finding& f = ev.findings[i];
        const std::size_t end = run_end(ev.findings, i);
        const audit::Finding& last = ev.findings[end - 1];
        i = end;
        const std::string port = f.proto ? port_range(f.port, last.port, *f.proto) : std::string("-");
        std::string message = f.message;
        if (&last != &f) {  // a run: the message names the range
            const std::string one = fmt::format("{}/{}", f.port, to_string(*f.proto));
            if (const auto at = message.find(one); at != std::string::npos) {
                message.replace(at, one.size(), port);
            }
        }
        const std::string state = f.state ? std::string(to_string(*f.state)) : std::string("-");
        out += fmt::format(
            "<tr class=\"finding {}\"><td>{} {}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
            "<td>{}</td></tr>",
            audit::is_violation(f.kind) ? "violation" : "inconclusive", audit::rule_id(f.kind),
            audit::rule_name(f.kind), xml_escape(f.group), xml_escape(f.host), port, xml_escape(state),
            xml_escape(message), f.pos.line);
    }
    return out + "</table></section>";
}

std::string drift_section(const std::string& previous, const ScanDiff& diff) {
    std::string out = fmt::format("<section id=\"drift\"><h2>Drift since {}</h2>", xml_escape(previous));
    if (!diff.different()) {
        return out + "<p>No changes.</p></section>";
    }
    out += "<table class=\"drift\"><tr><th>Host</th><th>Port</th><th>Before</th><th>Now</th></tr>";
    const auto host_state = [](const std::optional<HostState>& s) {
        return s ? fmt::format("host {}", to_string(*s)) : std::string("not in the scan");
    };
    for (const HostDiff& h : diff.hosts) {
        const std::string addr = xml_escape(h.address.to_string());
        if (h.a != h.b) {
            out += fmt::format("<tr class=\"drift-row drift-host\"><td>{}</td><td>-</td><td>{}</td><td>{}</td></tr>",
                               addr, host_state(h.a), host_state(h.b));
        }
        // Runs of consecutive ports with the same change are one row (a range).
        for (std::size_t i = 0; i < h.ports.size();) {
            const PortDiff& p = h.ports[i];
            std::size_t end = i + 1;
            while (end < h.ports.size() && h.ports[end].proto == p.proto && h.ports[end].port == h.ports[end - 1].port + 1 &&
                   same(h.ports[end].a, p.a) && same(h.ports[end].b, p.b)) {
                ++end;
            }
            out += fmt::format("<tr class=\"drift-row\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", addr,
                               port_range(p.port, h.ports[end - 1].port, p.proto), port_side(p.a), port_side(p.b));
            i = end;
        }
    }
    return out + "</table></section>";
}

// The legend of one map, with how many ports of the host have each state.
std::string legend(const HostResult& h, Proto proto) {
    std::array<std::size_t, port_state_count> count{};
    std::size_t scanned = 0;
    for (const PortResult& p : h.ports) {
        if (p.proto == proto) {
            ++count[static_cast<std::size_t>(p.state)];
            ++scanned;
        }
    }
    std::string out = "<ul class=\"legend\">";
    for (std::size_t k = 0; k < count.size(); ++k) {
        const auto s = static_cast<PortState>(k);
        out += fmt::format("<li><span class=\"swatch {}\"></span>{} ({})</li>", state_class(s), to_string(s), count[k]);
    }
    return out + fmt::format("<li><span class=\"swatch st-none\"></span>not scanned ({})</li></ul>", 65536 - scanned);
}

// The ports worth a look: every open port, and every port whose state is not the most common.
std::string port_table(const HostResult& h, Proto proto) {
    std::array<std::size_t, port_state_count> count{};
    for (const PortResult& p : h.ports) {
        if (p.proto == proto) {
            ++count[static_cast<std::size_t>(p.state)];
        }
    }
    const auto common = static_cast<PortState>(std::max_element(count.begin(), count.end()) - count.begin());
    std::string rows;
    std::size_t shown = 0;
    std::size_t hidden = 0;
    const auto worth = [&](const PortResult& p) {
        return p.proto == proto && (p.state != common || p.state == PortState::open);
    };
    const auto reason_of = [](const PortResult& p) {
        std::string reason(to_string(p.reason));
        if (p.reason_ip) {
            reason += fmt::format(" from {}", p.reason_ip->to_string());
        }
        return reason;
    };
    // Runs of consecutive ports with the same state and reason are one row (a range).
    for (std::size_t i = 0; i < h.ports.size();) {
        const PortResult& p = h.ports[i];
        if (!worth(p)) {
            ++i;
            continue;
        }
        const std::string reason = reason_of(p);
        std::size_t end = i + 1;
        while (end < h.ports.size() && worth(h.ports[end]) && h.ports[end].port == h.ports[end - 1].port + 1 &&
               h.ports[end].state == p.state && reason_of(h.ports[end]) == reason) {
            ++end;
        }
        const std::uint16_t last = h.ports[end - 1].port;
        i = end;
        if (shown == max_port_rows) {
            ++hidden;
            continue;
        }
        ++shown;
        rows += fmt::format("<tr class=\"port\"><td>{}</td><td><span class=\"swatch {}\"></span>{}</td><td>{}</td></tr>",
                            port_range(p.port, last, proto), state_class(p.state), to_string(p.state), xml_escape(reason));
    }
    std::string out;
    if (common != PortState::open) {
        out = fmt::format("<p>Not shown: {} {} ports {}.</p>", count[static_cast<std::size_t>(common)],
                          to_string(proto), to_string(common));
    }
    if (!rows.empty()) {
        out += "<table class=\"ports\"><tr><th>Port</th><th>State</th><th>Reason</th></tr>" + rows + "</table>";
    }
    if (hidden > 0) {
        out += fmt::format("<p>... and {} more rows of {} ports not listed.</p>", hidden, to_string(proto));
    }
    return out;
}

std::string host_section(const HostResult& h) {
    std::string out = fmt::format(
        "<section class=\"host\" id=\"host-{}\"><h2>{}</h2><p class=\"meta\">Host {} ({}), {} ports scanned{}</p>",
        xml_escape(h.address.to_string()), host_title(h), to_string(h.state), to_string(h.reason), h.ports.size(),
        h.complete ? "" : ", scan incomplete");
    for (const Proto proto : {Proto::tcp, Proto::udp}) {
        const bool any = std::any_of(h.ports.begin(), h.ports.end(), [&](const PortResult& p) { return p.proto == proto; });
        if (!any) {
            continue;
        }
        out += fmt::format("<h3>{}</h3><figure>{}<figcaption>{} ports 0-65535: column = port % 256, row = port / 256"
                           "</figcaption></figure>",
                           to_string(proto), render_portmap_svg(h, proto), to_string(proto));
        out += legend(h, proto);
        out += port_table(h, proto);
    }
    return out + "</section>";
}

}  // namespace

std::string render_html(const ReportInput& in) {
    static const std::vector<HostResult> no_hosts;
    const std::vector<HostResult>& hosts = in.hosts != nullptr ? *in.hosts : no_hosts;
    std::size_t open = 0;
    for (const HostResult& h : hosts) {
        open += static_cast<std::size_t>(std::count_if(h.ports.begin(), h.ports.end(),
                                                       [](const PortResult& p) { return p.state == PortState::open; }));
    }
    std::string out = fmt::format(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>portwarden report: {}</title>"
        "<style>{}</style></head><body><h1>portwarden report</h1>"
        "<section id=\"summary\"><p class=\"meta\">Scan {}: {} hosts, {} open ports.</p><ul>",
        xml_escape(in.name), css, xml_escape(in.name), hosts.size(), open);
    for (const HostResult& h : hosts) {
        out += fmt::format("<li><a href=\"#host-{}\">{}</a></li>", xml_escape(h.address.to_string()), host_title(h));
    }
    out += "</ul></section>";
    if (in.policy != nullptr && in.evaluation != nullptr) {
        out += violations_section(*in.policy, *in.evaluation);
    }
    if (in.drift != nullptr) {
        out += drift_section(in.previous_name, *in.drift);
    }
    if (in.timeline != nullptr && in.timeline->size() >= 2) {
        out += fmt::format("<section id=\"timeline\"><h2>History: {} scans</h2>{}</section>", in.timeline->size(),
                           render_timeline_svg(*in.timeline));
    }
    for (const HostResult& h : hosts) {
        out += host_section(h);
    }
    return out + "</body></html>\n";
}

}  // namespace portwarden::report

// `portwarden explain HOST:PORT[/udp]` and `portwarden firewall check`: the firewall model
// (include/portwarden/firewall.hpp) on the command line. Exit codes: 0 prediction and scan
// agree (or no scan to compare), 1 they differ, 2 bad input (one line on stderr).
#include <algorithm>
#include <cstdio>
#include <sstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/cli11_parse.hpp"
#include "cli/commands.hpp"
#include "cli/ruleset_source.hpp"
#include "portwarden/firewall.hpp"
#include "portwarden/probe.hpp"
#include "portwarden/result_file.hpp"

namespace portwarden::cli {
namespace {

namespace fw = portwarden::firewall;

// What both commands read: the ruleset, the listeners, the probe's source, the technique.
struct Inputs {
    std::string ruleset;
    bool nft = false;
    bool iptables = false;
    std::string listeners;
    std::string from;
    std::string technique;
    std::string scan;
    std::string iif;
    bool forward = false;

    void add_to(CLI::App& app) {
        app.add_option("--ruleset", ruleset, "the ruleset: `nft -j list ruleset` output (a file)");
        app.add_flag("--nft", nft, "read the ruleset of this host with `nft -j list ruleset`");
        app.add_flag("--iptables", iptables, "read the ruleset of this host with iptables-save");
        app.add_option("--listeners", listeners, "what listens: a file of `ss -tuln` output");
        app.add_option("--from", from, "the scanner's address (rules on the source address then decide)");
        app.add_option("--technique", technique, "syn, connect, ack, window, fin, null, xmas, maimon "
                                                 "(default: from the scan, else syn; UDP ports: udp)");
        app.add_option("--iif", iif, "the interface the probes arrive on");
        app.add_flag("--forward", forward, "the ruleset is a router's: walk prerouting and forward");
    }
};

Result<fw::Ruleset> load_rules(const Inputs& in) {
    return load_ruleset_source(RulesetSource{in.ruleset, in.nft, in.iptables, ""});
}

Result<fw::Listeners> load_listeners(const Inputs& in) {
    return in.listeners.empty() ? fw::Listeners{} : fw::load_listeners_file(in.listeners);
}

Result<std::optional<Address>> source_of(const Inputs& in) {
    if (in.from.empty()) {
        return std::optional<Address>{};
    }
    const auto a = Address::parse(in.from);
    if (!a) {
        return fail(fmt::format("--from: '{}' is not an IP address", in.from));
    }
    return std::optional<Address>{*a};
}

Result<std::optional<Technique>> technique_of(const Inputs& in) {
    if (in.technique.empty()) {
        return std::optional<Technique>{};
    }
    for (const auto t : {Technique::syn, Technique::connect, Technique::ack, Technique::window, Technique::fin,
                         Technique::null, Technique::xmas, Technique::maimon}) {
        if (to_string(t) == in.technique) {
            return std::optional<Technique>{t};
        }
    }
    return fail(fmt::format("--technique: unknown '{}' (syn, connect, ack, window, fin, null, xmas, maimon)", in.technique));
}

std::string plain_outcome(const fw::Decision& d) {
    switch (d.outcome) {
        case fw::Outcome::drop: return "the firewall drops the probe: no reply comes back";
        case fw::Outcome::reject:
            return d.reject.kind == fw::Reject::Kind::tcp_reset
                       ? "the firewall answers with a forged RST: the port looks closed on purpose (stealth)"
                       : fmt::format("the firewall answers with an ICMP error ({})", d.reject.type);
        case fw::Outcome::accept: return "the firewall lets the probe through: the host itself answers";
        case fw::Outcome::unknown: return "unknown: " + d.why_unknown;
    }
    return "";
}

std::string expected_list(const fw::Prediction& p) {
    std::string out;
    for (const auto& e : p.expected) {
        out += fmt::format("{}{} {}", out.empty() ? "" : " or ", to_string(e.state), to_string(e.reason));
    }
    return out.empty() ? "unknown" : out;
}

// Who really answered the observed reply (the scan's responder analysis), one line or none.
std::string responder_line(const HostResult* host, const PortResult& seen) {
    if (host == nullptr || !host->responder) {
        return {};
    }
    const ResponderReport& r = *host->responder;
    if (const ForgedReply* f = r.forged_at(seen.proto, seen.port)) {
        return fmt::format("  responder:  FORGED by a middlebox ({} confidence): {}; it proves nothing about the "
                           "host, whose own answer is unknown\n", to_string(f->confidence), f->evidence);
    }
    if (r.spoofer) {
        return fmt::format("  responder:  the host answers nearly every port, a {} ({} confidence): {}\n",
                           r.spoofer->tarpit ? "tarpit" : "port-spoofer", to_string(r.spoofer->confidence),
                           r.spoofer->evidence);
    }
    if (seen.reason_ip) {
        return fmt::format("  responder:  the ICMP error came from {}, not the host: that device filters the port\n",
                           seen.reason_ip->to_string());
    }
    if (r.baseline && seen.reason_ttl && *seen.reason_ttl == r.baseline->ttl) {
        return fmt::format("  responder:  the host itself: TTL {} as its own {} ({} hop{})\n", r.baseline->ttl,
                           r.baseline->from_syn_ack ? "SYN-ACKs" : "RSTs", r.baseline->hops,
                           r.baseline->hops == 1 ? "" : "s");
    }
    return {};
}

int explain_text(const std::string& what, const fw::Prediction& p, const std::optional<PortResult>& seen,
                 const std::string& scan, Technique t, const HostResult* seen_host) {
    std::string out = fmt::format("{} ({} scan)\n", what, to_string(t));
    out += fmt::format("  decided by: {}\n", fw::describe(p.decision));
    out += fmt::format("  firewall:   {}\n", plain_outcome(p.decision));
    if (p.decision.rate_dependent) {
        out += "  note:       a `limit` on the way: above its rate the next rules decide\n";
    }
    out += fmt::format("  predicted:  {}\n", expected_list(p));
    if (!p.depends.empty()) {
        out += fmt::format("              (depends on {})\n", p.depends);
    }
    if (t == Technique::udp && p.decision.outcome == fw::Outcome::reject && !p.expected.empty() &&
        p.expected.front().state == PortState::closed) {
        out += "  note:       nmap cannot tell a firewall's port-unreachable from the host's: UDP says closed\n";
    }
    int code = exit_ok;
    if (!scan.empty()) {
        if (!seen) {
            out += fmt::format("  observed:   not in {}\n", scan);
        } else {
            const fw::Expected obs{seen->state, seen->reason};
            const bool agree = std::find(p.expected.begin(), p.expected.end(), obs) != p.expected.end();
            out += fmt::format("  observed:   {} {} ({}): {}\n", to_string(obs.state), to_string(obs.reason), scan,
                               agree ? "agrees with the prediction" : "DIFFERS from the prediction");
            code = agree ? exit_ok : 1;
            out += responder_line(seen_host, *seen);
        }
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    return code;
}

}  // namespace

int explain_command(const std::vector<std::string>& args) {
    CLI::App app{"portwarden explain HOST:PORT[/udp]: which firewall rule decides the port, and what a scan shows",
                 "portwarden explain"};
    Inputs in;
    std::string target;
    app.add_option("HOST:PORT", target, "an address and port; /udp for UDP ([IPv6]:PORT for IPv6)")->required();
    in.add_to(app);
    app.add_option("--scan", in.scan, "scan results (-oJ or -oX) to compare with");
    if (auto code = parse_or_exit(app, args)) {
        return *code;
    }
    Proto proto = Proto::tcp;
    if (target.ends_with("/udp") || target.ends_with("/tcp")) {
        proto = target.ends_with("/udp") ? Proto::udp : Proto::tcp;
        target.resize(target.size() - 4);
    }
    auto hp = parse_host_port(target);
    if (!hp) {
        return bad_input(hp.error().message);
    }
    const auto dst = Address::parse(hp->host);
    if (!dst) {
        return bad_input(fmt::format("'{}' is not an IP address (explain takes addresses, not names)", hp->host));
    }
    auto source = source_of(in);
    auto tech = technique_of(in);
    if (!source || !tech) {
        return bad_input(source ? tech.error().message : source.error().message);
    }
    auto rules = load_rules(in);
    auto listeners = rules ? load_listeners(in) : fw::Listeners{};
    std::vector<HostResult> scan;
    if (!in.scan.empty()) {
        auto r = read_result_file(in.scan);
        if (!r) {
            return bad_input(r.error().message);
        }
        scan = std::move(*r);
    }
    for (const std::string* e : {rules ? nullptr : &rules.error().message, listeners ? nullptr : &listeners.error().message}) {
        if (e != nullptr) {
            return bad_input(*e);
        }
    }
    const Technique t = proto == Proto::udp ? Technique::udp : tech->value_or(scan.empty() ? Technique::syn : fw::guess_technique(scan));
    fw::Packet packet{*source, *dst, proto, hp->port, std::nullopt, in.iif, "", in.forward};
    const auto p = fw::predict(*rules, packet, t, *listeners);
    std::optional<PortResult> seen;
    const HostResult* seen_host = nullptr;
    for (const auto& h : scan) {
        for (const auto& port : h.ports) {
            if (h.address == *dst && port.proto == proto && port.port == hp->port) {
                seen = port;
                seen_host = &h;
            }
        }
    }
    const std::string host = dst->is_v4() ? dst->to_string() : "[" + dst->to_string() + "]";
    return explain_text(fmt::format("{}:{}/{}", host, hp->port, to_string(proto)), p, seen, in.scan, t, seen_host);
}

int firewall_command(const std::vector<std::string>& args) {
    CLI::App app{"portwarden firewall check: does the scan show what the ruleset predicts?", "portwarden firewall"};
    app.require_subcommand(1);
    CLI::App* check = app.add_subcommand("check", "compare a ruleset's predictions with a scan, port by port");
    Inputs in;
    std::string format = "text";
    in.add_to(*check);
    check->add_option("--scan", in.scan, "scan results (-oJ or -oX)")->required();
    check->add_option("--format", format, "text, json or sarif")->check(CLI::IsMember({"text", "json", "sarif"}));
    if (auto code = parse_or_exit(app, args)) {
        return *code;
    }
    auto source = source_of(in);
    auto tech = technique_of(in);
    if (!source || !tech) {
        return bad_input(source ? tech.error().message : source.error().message);
    }
    auto rules = load_rules(in);
    if (!rules) {
        return bad_input(rules.error().message);
    }
    auto listeners = load_listeners(in);
    auto scan = read_result_file(in.scan);
    for (const std::string* e : {listeners ? nullptr : &listeners.error().message, scan ? nullptr : &scan.error().message}) {
        if (e != nullptr) {
            return bad_input(*e);
        }
    }
    const Technique t = tech->value_or(fw::guess_technique(*scan));
    const fw::Packet shape{*source, Address{}, Proto::tcp, 0, std::nullopt, in.iif, "", in.forward};
    const auto report = fw::reconcile(*rules, *scan, t, *listeners, shape);
    const std::string text = format == "json"    ? fw::render_check_json(report)
                             : format == "sarif" ? fw::render_check_sarif(report)
                                                 : fw::render_check_text(report);
    std::fwrite(text.data(), 1, text.size(), stdout);
    return report.agree() ? exit_ok : 1;
}

}  // namespace portwarden::cli

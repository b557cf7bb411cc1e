// Prediction against observation, port by port, and a diagnosis where they differ.
#include <algorithm>
#include <array>

#include "portwarden/firewall.hpp"

namespace portwarden::firewall {
namespace {

struct DiagnosisInfo {
    std::string_view id;
    std::string_view name;
    std::string_view text;
};

constexpr std::array<DiagnosisInfo, 7> infos{{
    {"FW000", "agree", "prediction and scan agree"},
    {"FW001", "not-loaded",
     "rule drops but the host answered: the ruleset is not loaded, or traffic takes another path"},
    {"FW002", "upstream-filter", "rule accepts but the port is filtered: something upstream filters it"},
    {"FW003", "not-listening",
     "rule accepts, nothing listens: connection refused, the service is down or bound elsewhere"},
    {"FW004", "stealth", "rule rejects with tcp reset: reported closed on purpose (stealth)"},
    {"FW005", "unknown-rule", "the ruleset's verdict for this port is unknown (see the rule named)"},
    {"FW006", "differs", "prediction and scan differ"},
}};

bool host_answered(const Expected& e) {
    return e.state == PortState::open || e.state == PortState::closed || e.state == PortState::unfiltered;
}

bool filtered(const Expected& e) {
    return e.state == PortState::filtered || e.state == PortState::open_filtered;
}

Diagnosis diagnose(const Prediction& p, const Expected& observed) {
    const Decision& d = p.decision;
    if (d.outcome == Outcome::unknown) {
        return Diagnosis::unknown_rule;
    }
    if (std::find(p.expected.begin(), p.expected.end(), observed) != p.expected.end()) {
        const bool reset = d.outcome == Outcome::reject && d.reject.kind == Reject::Kind::tcp_reset;
        return reset ? Diagnosis::stealth : Diagnosis::agree;
    }
    if (d.outcome != Outcome::accept && host_answered(observed)) {
        return Diagnosis::not_loaded;
    }
    if (d.outcome == Outcome::accept && filtered(observed)) {
        return Diagnosis::upstream_filter;
    }
    const bool open_predicted = std::any_of(p.expected.begin(), p.expected.end(),
                                            [](const Expected& e) { return e.state == PortState::open; });
    if (d.outcome == Outcome::accept && open_predicted && observed.state == PortState::closed) {
        return Diagnosis::not_listening;
    }
    return Diagnosis::other;
}

}  // namespace

std::string_view diagnosis_id(Diagnosis d) { return infos[static_cast<std::size_t>(d)].id; }
std::string_view diagnosis_name(Diagnosis d) { return infos[static_cast<std::size_t>(d)].name; }
std::string diagnosis_text(Diagnosis d) { return std::string(infos[static_cast<std::size_t>(d)].text); }

Technique guess_technique(const std::vector<HostResult>& scan) {
    bool refused = false;
    for (const auto& h : scan) {
        for (const auto& p : h.ports) {
            if (p.proto == Proto::tcp && p.state == PortState::unfiltered) {
                return Technique::ack;
            }
            refused = refused || p.reason == Reason::conn_refused;
        }
    }
    return refused ? Technique::connect : Technique::syn;
}

CheckReport reconcile(const Ruleset& rules, const std::vector<HostResult>& scan, Technique technique,
                      const Listeners& listeners, const Packet& shape) {
    CheckReport report;
    report.ruleset = rules.source;
    report.technique = technique;
    for (const auto& h : scan) {
        for (const auto& port : h.ports) {
            Packet packet = shape;
            packet.dst = h.address;
            packet.proto = port.proto;
            packet.dport = port.port;
            const Technique t = port.proto == Proto::udp ? Technique::udp : technique;
            PortCheck c;
            c.host = h.address;
            c.proto = port.proto;
            c.port = port.port;
            c.prediction = predict(rules, packet, t, listeners);
            c.observed = Expected{port.state, port.reason};
            c.diagnosis = diagnose(c.prediction, c.observed);
            ++report.ports_checked;
            if (c.diagnosis == Diagnosis::stealth) {
                report.stealth.push_back(std::move(c));
            } else if (c.diagnosis != Diagnosis::agree) {
                report.differ.push_back(std::move(c));
            }
        }
    }
    return report;
}

}  // namespace portwarden::firewall

// audit --ruleset findings (see firewall_findings.hpp).
#include "audit/firewall_findings.hpp"

#include <fmt/format.h>

namespace portwarden::audit {

void add_firewall_findings(Evaluation& evaluation, const firewall::CheckReport& report) {
    for (const auto& c : report.differ) {
        Finding f;
        f.kind = c.diagnosis == firewall::Diagnosis::unknown_rule ? FindingKind::firewall_unknown
                                                                  : FindingKind::firewall_mismatch;
        f.group = "firewall";
        f.host = c.host.to_string();
        f.proto = c.proto;
        f.port = c.port;
        f.state = c.observed.state;
        const std::string why = c.prediction.decision.outcome == firewall::Outcome::unknown
                                    ? c.prediction.decision.why_unknown
                                    : firewall::diagnosis_text(c.diagnosis);
        f.message = fmt::format("{}: {}/{} is {} {}; {} ({})", f.host, c.port, to_string(c.proto),
                                to_string(c.observed.state), to_string(c.observed.reason), why,
                                firewall::describe(c.prediction.decision));
        f.rule = "firewall ruleset " + report.ruleset;
        evaluation.findings.push_back(std::move(f));
    }
    evaluation.ports_checked = std::max(evaluation.ports_checked, report.ports_checked);
    settle_verdict(evaluation);
}

}  // namespace portwarden::audit

// The human report, and the choice of report format.
#include <fmt/format.h>

#include "portwarden/audit.hpp"

namespace portwarden::audit {

std::optional<ReportFormat> parse_report_format(std::string_view name) {
    if (name == "text") {
        return ReportFormat::text;
    }
    if (name == "json") {
        return ReportFormat::json;
    }
    if (name == "junit") {
        return ReportFormat::junit;
    }
    if (name == "sarif") {
        return ReportFormat::sarif;
    }
    return std::nullopt;
}

std::string render_report(ReportFormat format, const Policy& policy, const Evaluation& evaluation) {
    switch (format) {
    case ReportFormat::text:
        return render_text(policy, evaluation);
    case ReportFormat::json:
        return render_json(policy, evaluation);
    case ReportFormat::junit:
        return render_junit(policy, evaluation);
    case ReportFormat::sarif:
        return render_sarif(policy, evaluation);
    }
    return render_text(policy, evaluation);
}

std::string render_text(const Policy& policy, const Evaluation& evaluation) {
    std::string out;
    std::size_t violations = 0;
    for (const Finding& f : evaluation.findings) {
        const bool v = is_violation(f.kind);
        violations += v ? 1 : 0;
        // Findings of a policy rule name its place; those of audit --ruleset name the ruleset.
        const std::string where = f.pos.line > 0 ? fmt::format("{}:{}:{}", policy.path, f.pos.line, f.pos.column) : f.rule;
        out += fmt::format("{} {} {} {} [{}]\n", v ? "VIOLATION " : "UNDECIDED ", rule_id(f.kind), rule_name(f.kind),
                           f.message, where);
    }
    out += fmt::format("audit: {} ({} violation{}, {} undecided; {} host{}, {} port result{} checked against {})\n",
                       to_string(evaluation.verdict), violations, violations == 1 ? "" : "s",
                       evaluation.findings.size() - violations, evaluation.hosts_checked,
                       evaluation.hosts_checked == 1 ? "" : "s", evaluation.ports_checked,
                       evaluation.ports_checked == 1 ? "" : "s", policy.path);
    return out;
}

}  // namespace portwarden::audit

// The JSON report: one object, verdict first, then every check and finding.
#include <nlohmann/json.hpp>

#include "portwarden/audit.hpp"

namespace portwarden::audit {

std::string render_json(const Policy& policy, const Evaluation& evaluation) {
    using Json = nlohmann::ordered_json;
    Json j;
    j["policy"] = policy.path;
    j["verdict"] = to_string(evaluation.verdict);
    j["exit_code"] = static_cast<int>(evaluation.verdict);
    j["hosts_checked"] = evaluation.hosts_checked;
    j["ports_checked"] = evaluation.ports_checked;
    Json findings = Json::array();
    for (const Finding& f : evaluation.findings) {
        Json o;
        o["kind"] = is_violation(f.kind) ? "violation" : "inconclusive";
        o["rule_id"] = rule_id(f.kind);
        o["rule"] = rule_name(f.kind);
        o["group"] = f.group;
        o["host"] = f.host;
        if (f.proto) {
            o["proto"] = to_string(*f.proto);
            o["port"] = f.port;
        }
        if (f.state) {
            o["state"] = to_string(*f.state);
        }
        o["check"] = f.rule;
        o["message"] = f.message;
        o["policy_line"] = f.pos.line;
        o["policy_column"] = f.pos.column;
        findings.push_back(std::move(o));
    }
    j["findings"] = std::move(findings);
    Json checks = Json::array();
    for (const Check& c : evaluation.checks) {
        checks.push_back({{"group", c.group}, {"host", c.host}, {"check", c.rule}, {"policy_line", c.pos.line}});
    }
    j["checks"] = std::move(checks);
    return j.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace portwarden::audit

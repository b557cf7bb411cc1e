// `firewall check` reports: text, JSON, and SARIF 2.1.0 shaped like audit's (one rule per
// diagnosis, one result per differing port, located at the ruleset file).
#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "portwarden/firewall.hpp"

namespace portwarden::firewall {
namespace {

using Json = nlohmann::ordered_json;

std::string expected_text(const Expected& e) {
    return fmt::format("{} {}", to_string(e.state), to_string(e.reason));
}

std::string predicted_text(const Prediction& p) {
    if (p.decision.outcome == Outcome::unknown) {
        return "unknown";
    }
    std::string out;
    for (const auto& e : p.expected) {
        out += (out.empty() ? "" : " or ") + expected_text(e);
    }
    return out;
}

std::string port_name(const PortCheck& c) {
    return fmt::format("{} {}/{}", c.host.to_string(), c.port, to_string(c.proto));
}

std::string message(const PortCheck& c) {
    std::string why = describe(c.prediction.decision);
    if (c.prediction.decision.outcome == Outcome::unknown) {
        why += " (" + c.prediction.decision.why_unknown + ")";
    }
    return fmt::format("{}: predicted {} by {}; observed {}: {}", port_name(c), predicted_text(c.prediction), why,
                       expected_text(c.observed), diagnosis_text(c.diagnosis));
}

Json check_json(const PortCheck& c) {
    Json predicted = Json::array();
    for (const auto& e : c.prediction.expected) {
        predicted.push_back({{"state", to_string(e.state)}, {"reason", to_string(e.reason)}});
    }
    const Decision& d = c.prediction.decision;
    Json j = {{"host", c.host.to_string()}, {"proto", to_string(c.proto)}, {"port", c.port},
              {"predicted", std::move(predicted)},
              {"observed", {{"state", to_string(c.observed.state)}, {"reason", to_string(c.observed.reason)}}},
              {"decided_by", describe(d)}, {"chain", d.chain},
              {"diagnosis", diagnosis_name(c.diagnosis)}, {"message", message(c)}};
    if (d.rule) {
        j["handle"] = d.rule->handle;
        j["rule"] = rule_text(*d.rule);
    }
    if (!c.prediction.depends.empty()) {
        j["depends_on"] = c.prediction.depends;
    }
    if (!d.why_unknown.empty()) {
        j["unknown_because"] = d.why_unknown;
    }
    if (d.rate_dependent) {
        j["rate_dependent"] = true;
    }
    return j;
}

}  // namespace

std::string render_check_text(const CheckReport& r) {
    std::string out = fmt::format("firewall check: {} against a {} scan: {} ports checked, {} differ\n", r.ruleset,
                                  to_string(r.technique), r.ports_checked, r.differ.size());
    for (const auto& c : r.differ) {
        out += fmt::format("  {}\n", message(c));
    }
    for (const auto& c : r.stealth) {
        out += fmt::format("  note: {}: {} ({})\n", port_name(c), diagnosis_text(c.diagnosis), describe(c.prediction.decision));
    }
    out += r.agree() ? "prediction and scan agree on every port\n" : "prediction and scan differ\n";
    return out;
}

std::string render_check_json(const CheckReport& r) {
    Json differ = Json::array();
    for (const auto& c : r.differ) {
        differ.push_back(check_json(c));
    }
    Json stealth = Json::array();
    for (const auto& c : r.stealth) {
        stealth.push_back(check_json(c));
    }
    const Json j = {{"ruleset", r.ruleset}, {"technique", to_string(r.technique)}, {"ports_checked", r.ports_checked},
                    {"agree", r.agree()}, {"differ", std::move(differ)}, {"stealth", std::move(stealth)}};
    return j.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

std::string render_check_sarif(const CheckReport& r) {
    Json rules = Json::array();
    for (int i = 1; i <= static_cast<int>(Diagnosis::other); ++i) {
        const auto d = static_cast<Diagnosis>(i);
        rules.push_back({{"id", diagnosis_id(d)}, {"name", diagnosis_name(d)},
                         {"shortDescription", {{"text", diagnosis_text(d)}}},
                         {"defaultConfiguration", {{"level", d == Diagnosis::stealth ? "note" : "error"}}}});
    }
    Json results = Json::array();
    const auto add = [&](const PortCheck& c) {
        const int index = static_cast<int>(c.diagnosis) - 1;
        Json location = {{"physicalLocation", {{"artifactLocation", {{"uri", r.ruleset}}}}}};
        results.push_back({{"ruleId", diagnosis_id(c.diagnosis)}, {"ruleIndex", index},
                           {"level", c.diagnosis == Diagnosis::stealth ? "note" : "error"},
                           {"message", {{"text", message(c)}}}, {"locations", Json::array({std::move(location)})},
                           {"properties", check_json(c)}});
    };
    for (const auto& c : r.differ) {
        add(c);
    }
    for (const auto& c : r.stealth) {
        add(c);
    }
    Json driver = {{"name", "portwarden"}, {"version", PW_VERSION}, {"rules", std::move(rules)}};
    const Json sarif = {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"}, {"version", "2.1.0"},
                        {"runs", Json::array({{{"tool", {{"driver", std::move(driver)}}},
                                               {"results", std::move(results)},
                                               {"properties", {{"agree", r.agree()}}}}})}};
    return sarif.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace portwarden::firewall

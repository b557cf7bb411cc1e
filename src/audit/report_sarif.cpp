// The SARIF 2.1.0 report: one run, a rule per finding kind, a result per finding located at
// the policy line of the rule it concerns (violations: level error; undecided: warning).
#include <algorithm>
#include <string_view>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "portwarden/audit.hpp"

namespace portwarden::audit {
namespace {

// The policy path as a SARIF artifactLocation.uri (an RFC 3986 URI reference): '/' and the
// unreserved characters as they are, every other byte (space, '%', ':', '#', '?', control
// characters, UTF-8) as %XX, so a path such as "a b#1.toml" or "c:x.toml" stays one path.
std::string uri_reference(std::string_view path) {
    std::string out;
    for (const char c : path) {
        const auto u = static_cast<unsigned char>(c);
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
            c == '_' || c == '~' || c == '/') {
            out += c;
        } else {
            out += fmt::format("%{:02X}", u);
        }
    }
    return out;
}

}  // namespace

std::string render_sarif(const Policy& policy, const Evaluation& evaluation) {
    using Json = nlohmann::ordered_json;
    Json rules_json = Json::array();
    for (int i = 0; i < finding_kind_count; ++i) {
        const auto k = static_cast<FindingKind>(i);
        rules_json.push_back({{"id", rule_id(k)},
                              {"name", rule_name(k)},
                              {"shortDescription", {{"text", rule_help(k)}}},
                              {"defaultConfiguration", {{"level", is_violation(k) ? "error" : "warning"}}}});
    }
    Json results = Json::array();
    for (const Finding& f : evaluation.findings) {
        Json region = {{"startLine", std::max<std::uint32_t>(f.pos.line, 1)},
                       {"startColumn", std::max<std::uint32_t>(f.pos.column, 1)}};
        Json location = {{"physicalLocation",
                          {{"artifactLocation", {{"uri", uri_reference(policy.path)}}}, {"region", std::move(region)}}}};
        results.push_back({{"ruleId", rule_id(f.kind)},
                           {"ruleIndex", static_cast<int>(f.kind)},
                           {"level", is_violation(f.kind) ? "error" : "warning"},
                           {"message", {{"text", f.message}}},
                           {"locations", Json::array({std::move(location)})},
                           {"properties", {{"group", f.group}, {"host", f.host}, {"check", f.rule}}}});
    }
    Json driver = {{"name", "portwarden"},
                   {"version", PW_VERSION},
                   {"rules", std::move(rules_json)}};
    Json sarif = {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
                  {"version", "2.1.0"},
                  {"runs", Json::array({{{"tool", {{"driver", std::move(driver)}}},
                                         {"results", std::move(results)},
                                         {"properties", {{"verdict", to_string(evaluation.verdict)}}}}})}};
    return sarif.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace portwarden::audit

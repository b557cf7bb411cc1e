// Reports: JSON, JUnit XML (well-formed, a testcase per host x rule) and SARIF 2.1.0.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "portwarden/audit.hpp"

namespace portwarden::audit {
namespace {

struct Fixture {
    Policy policy;
    Evaluation evaluation;
};

Fixture sample() {
    auto p = parse_policy("[groups.web]\nhosts = [\"198.18.1.10\", \"198.18.9.9\"]\n\n[[groups.web.allow]]\nport = 443\n"
                          "owner = \"web & ops\"\nmust_be_open = true\n",
                          "p.toml");
    EXPECT_TRUE(p) << p.error().message;
    HostResult h;
    h.address = *Address::parse("198.18.1.10");
    h.state = HostState::up;
    h.ports = {PortResult{Proto::tcp, 23, PortState::open, Reason::syn_ack, {}, {}, {}},
               PortResult{Proto::tcp, 443, PortState::closed, Reason::reset, {}, {}, {}}};
    return {*p, evaluate(*p, {h}, Date{2026, 1, 1})};
}

TEST(AuditReport, JsonCarriesVerdictAndFindings) {
    const Fixture f = sample();
    const auto j = nlohmann::json::parse(render_json(f.policy, f.evaluation));
    EXPECT_EQ(j["verdict"], "violations");
    EXPECT_EQ(j["exit_code"], 1);
    ASSERT_EQ(j["findings"].size(), 3U);
    EXPECT_EQ(j["findings"][0]["rule_id"], "PW002");
    EXPECT_EQ(j["findings"][0]["policy_line"], 4);
    EXPECT_EQ(j["findings"][1]["rule"], "unexpected-open");
    EXPECT_EQ(j["findings"][1]["port"], 23);
    EXPECT_EQ(j["findings"][2]["kind"], "inconclusive");
    EXPECT_EQ(j["checks"].size(), 3U);
}

TEST(AuditReport, JunitIsWellFormedWithFailuresAndSkipped) {
    const Fixture f = sample();
    const std::string xml = render_junit(f.policy, f.evaluation);
    pugi::xml_document doc;
    ASSERT_TRUE(doc.load_string(xml.c_str())) << xml;
    const auto suites = doc.child("testsuites");
    EXPECT_STREQ(suites.attribute("tests").value(), "3");
    EXPECT_STREQ(suites.attribute("failures").value(), "2");
    EXPECT_STREQ(suites.attribute("skipped").value(), "1");
    int cases = 0;
    for (const auto& c : suites.child("testsuite").children("testcase")) {
        ++cases;
        const std::string name = c.attribute("name").value();
        if (name == "allow 443/tcp") {
            EXPECT_STREQ(c.child("failure").attribute("type").value(), "PW002");
            EXPECT_NE(std::string(c.child("failure").attribute("message").value()).find("web & ops"), std::string::npos);
        } else if (name == "unlisted ports") {
            EXPECT_STREQ(c.child("failure").attribute("type").value(), "PW001");
        } else {
            EXPECT_EQ(name, "host");
            EXPECT_TRUE(c.child("skipped"));
        }
    }
    EXPECT_EQ(cases, 3);
}

TEST(AuditReport, SarifMinimalValid) {
    const Fixture f = sample();
    const auto j = nlohmann::json::parse(render_sarif(f.policy, f.evaluation));
    EXPECT_EQ(j["version"], "2.1.0");
    ASSERT_EQ(j["runs"].size(), 1U);
    const auto& run = j["runs"][0];
    EXPECT_EQ(run["tool"]["driver"]["name"], "portwarden");
    EXPECT_EQ(run["tool"]["driver"]["rules"].size(), static_cast<std::size_t>(finding_kind_count));
    ASSERT_EQ(run["results"].size(), 3U);
    for (const auto& r : run["results"]) {
        const std::string id = r["ruleId"];
        const auto index = r["ruleIndex"].get<std::size_t>();
        EXPECT_EQ(run["tool"]["driver"]["rules"][index]["id"], id);
        EXPECT_TRUE(r["level"] == "error" || r["level"] == "warning");
        EXPECT_FALSE(r["message"]["text"].get<std::string>().empty());
        const auto& loc = r["locations"][0]["physicalLocation"];
        EXPECT_EQ(loc["artifactLocation"]["uri"], "p.toml");
        EXPECT_GE(loc["region"]["startLine"].get<int>(), 1);
    }
    EXPECT_EQ(run["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"], 4);
}

TEST(AuditReport, SarifUriIsPercentEncoded) {
    Fixture f = sample();
    f.policy.path = "dir/a b#1%\r\n:\xc3\xa9.toml";
    const auto j = nlohmann::json::parse(render_sarif(f.policy, f.evaluation));
    EXPECT_EQ(j["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
              "dir/a%20b%231%25%0D%0A%3A%C3%A9.toml");
}

TEST(AuditReport, TextEndsWithVerdict) {
    const Fixture f = sample();
    const std::string text = render_text(f.policy, f.evaluation);
    EXPECT_NE(text.find("VIOLATION  PW001 unexpected-open 198.18.1.10: 23/tcp is open (syn-ack)"), std::string::npos)
        << text;
    EXPECT_NE(text.find("audit: violations (2 violations, 1 undecided"), std::string::npos) << text;
    EXPECT_EQ(parse_report_format("sarif"), ReportFormat::sarif);
    EXPECT_FALSE(parse_report_format("yaml"));
}

}  // namespace
}  // namespace portwarden::audit

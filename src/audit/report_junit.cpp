// The JUnit XML report: a testsuite per group, a testcase per host x rule; violations are
// failures, undecided checks are skipped (a CI shows them, and they fail nothing by themselves;
// the exit code 2 does).
#include <fmt/format.h>

#include "output/format.hpp"
#include "portwarden/audit.hpp"

namespace portwarden::audit {

std::string render_junit(const Policy& policy, const Evaluation& evaluation) {
    using output::xml_escape;
    std::string suites;
    std::size_t total_tests = 0;
    std::size_t total_failures = 0;
    std::size_t total_skipped = 0;
    for (const Group& g : policy.groups) {
        std::string cases;
        std::size_t tests = 0;
        std::size_t failures = 0;
        std::size_t skipped = 0;
        for (const Check& c : evaluation.checks) {
            if (c.group != g.name) {
                continue;
            }
            ++tests;
            std::string body;
            std::string skip_text;
            for (const Finding& f : evaluation.findings) {
                if (f.group != c.group || f.host != c.host || f.rule != c.rule) {
                    continue;
                }
                if (is_violation(f.kind)) {
                    body += fmt::format("<failure type=\"{}\" message=\"{}\">{} {}: {}</failure>\n", rule_id(f.kind),
                                        xml_escape(f.message), rule_id(f.kind), rule_name(f.kind),
                                        xml_escape(f.message));
                } else {
                    skip_text += (skip_text.empty() ? "" : "; ") + f.message;
                }
            }
            if (!body.empty()) {
                ++failures;
            } else if (!skip_text.empty()) {
                ++skipped;
                body = fmt::format("<skipped message=\"inconclusive: {}\"/>\n", xml_escape(skip_text));
            }
            cases += fmt::format("<testcase classname=\"{}\" name=\"{}\" file=\"{}\" line=\"{}\"{}\n",
                                 xml_escape(fmt::format("{}.{}", g.name, c.host)), xml_escape(c.rule),
                                 xml_escape(policy.path), c.pos.line, body.empty() ? "/>" : ">\n" + body + "</testcase>");
        }
        suites += fmt::format("<testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\">\n{}"
                              "</testsuite>\n",
                              xml_escape(g.name), tests, failures, skipped, cases);
        total_tests += tests;
        total_failures += failures;
        total_skipped += skipped;
    }
    return fmt::format("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                       "<testsuites name=\"portwarden audit {}\" tests=\"{}\" failures=\"{}\" errors=\"0\" "
                       "skipped=\"{}\">\n{}</testsuites>\n",
                       xml_escape(policy.path), total_tests, total_failures, total_skipped, suites);
}

}  // namespace portwarden::audit

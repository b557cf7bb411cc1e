// match / softmatch lines: "match ssh m|^SSH-([\d.]+)-OpenSSH_(\S+)|i p/OpenSSH/ v/$2/ cpe:/a:openbsd:openssh:$2/"
#include <fmt/format.h>

#include "version/parse_util.hpp"
#include "version/probe_parser.hpp"

namespace portwarden::version {
namespace {

std::string_view skip_spaces(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    return s;
}

// The flags right after a closing delimiter (letters up to a space).
std::string_view take_flags(std::string_view& rest) {
    std::size_t n = 0;
    while (n < rest.size() && rest[n] != ' ' && rest[n] != '\t' && rest[n] != '\r') {
        ++n;
    }
    const auto flags = rest.substr(0, n);
    rest.remove_prefix(n);
    return flags;
}

Result<void> add_template(Templates& t, std::string_view key, std::string_view body) {
    std::string value(body);
    if (key == "p") {
        t.product = value;
    } else if (key == "v") {
        t.version = value;
    } else if (key == "i") {
        t.info = value;
    } else if (key == "h") {
        t.hostname = value;
    } else if (key == "o") {
        t.ostype = value;
    } else if (key == "d") {
        t.devicetype = value;
    } else if (key == "cpe:") {
        t.cpes.push_back(value);
    } else {
        return fail(fmt::format("unknown field '{}'", key));
    }
    return {};
}

Result<Templates> parse_templates(std::string_view rest) {
    Templates t;
    for (rest = skip_spaces(rest); !rest.empty() && rest != "\r"; rest = skip_spaces(rest)) {
        const std::size_t key_len = rest.substr(0, 4) == "cpe:" ? 4 : 1;
        const auto key = rest.substr(0, key_len);
        const auto field = take_delimited(rest.substr(key_len));
        if (!field) {
            return fail(fmt::format("field '{}' has no closing delimiter", key));
        }
        if (auto r = add_template(t, key, field->body); !r) {
            return tl::unexpected(r.error());
        }
        rest = field->rest;
        take_flags(rest);  // cpe:/.../a: the 'a' marks an application CPE, already in the text
    }
    return t;
}

}  // namespace

Result<MatchRule> parse_match_line(std::string_view text, std::size_t line) {
    MatchRule rule;
    rule.line = line;
    rule.soft = text.starts_with("softmatch ");
    text.remove_prefix(rule.soft ? 10 : 6);
    const auto space = text.find(' ');
    if (space == 0 || space == std::string_view::npos) {
        return fail("no service name");
    }
    rule.service = std::string(text.substr(0, space));
    text.remove_prefix(space + 1);
    if (text.empty() || text.front() != 'm') {
        return fail("the pattern must start with 'm'");
    }
    const auto pattern = take_delimited(text.substr(1));
    if (!pattern) {
        return fail("the pattern has no closing delimiter");
    }
    std::string_view rest = pattern->rest;
    const auto flags = take_flags(rest);
    RegexFlags rf;
    for (char f : flags) {
        if (f == 'i') {
            rf.caseless = true;
        } else if (f == 's') {
            rf.dotall = true;
        } else {
            return fail(fmt::format("unknown pattern flag '{}'", f));
        }
    }
    auto templates = parse_templates(rest);
    if (!templates) {
        return tl::unexpected(templates.error());
    }
    rule.templates = std::move(*templates);
    auto regex = Regex::compile(pattern->body, rf);
    if (regex) {
        rule.regex = std::move(*regex);
    } else {
        rule.regex_error = regex.error().message;
    }
    return rule;
}

}  // namespace portwarden::version

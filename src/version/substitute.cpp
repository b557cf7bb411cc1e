#include "version/substitute.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <vector>

#include <fmt/format.h>

#include "version/parse_util.hpp"

namespace portwarden::version {
namespace {

std::string cpe_escape(std::string_view s) {
    static constexpr std::string_view reserved = ":/?#[]@!$&'()*+,;=%<>\"";
    std::string out;
    for (char c : s) {
        if (reserved.find(c) != std::string_view::npos) {
            out += fmt::format("%{:02X}", static_cast<unsigned char>(c));
        } else if (c == ' ') {
            out += '_';
        } else {
            out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
    }
    return out;
}

std::optional<std::string_view> capture(const Captures& captures, int n) {
    if (n <= 0 || n > 9 || static_cast<std::size_t>(n) >= captures.size()) {
        return std::nullopt;
    }
    return captures[static_cast<std::size_t>(n)];
}

// The arguments of $CMD(...): integers and "strings"; `text` starts after '('. Sets `used`
// to the characters read, including the ')'.
struct Args {
    std::vector<int> ints;
    std::vector<std::string> strings;
};
std::optional<Args> command_args(std::string_view text, std::size_t& used) {
    Args args;
    std::size_t i = 0;
    while (i < text.size() && text[i] != ')') {
        if (text[i] == ' ' || text[i] == ',') {
            ++i;
        } else if (text[i] == '"') {
            std::size_t end = i + 1;
            while (end < text.size() && !(text[end] == '"' && text[end - 1] != '\\')) {
                ++end;
            }
            auto s = unescape(text.substr(i + 1, end - i - 1));
            if (end >= text.size() || !s) {
                return std::nullopt;
            }
            args.strings.push_back(std::move(*s));
            i = end + 1;
        } else {
            int v = 0;
            const auto [p, ec] = std::from_chars(text.data() + i, text.data() + text.size(), v);
            if (ec != std::errc{}) {
                return std::nullopt;
            }
            args.ints.push_back(v);
            i = static_cast<std::size_t>(p - text.data());
        }
    }
    if (i >= text.size()) {
        return std::nullopt;
    }
    used = i + 1;
    return args;
}

std::optional<std::string> run_command(std::string_view cmd, const Args& args, const Captures& captures) {
    const auto cap = args.ints.size() == 1 ? capture(captures, args.ints[0]) : std::nullopt;
    if (!cap) {
        return std::nullopt;
    }
    std::string out;
    if (cmd == "P" && args.strings.empty()) {
        for (char c : *cap) {
            if (std::isprint(static_cast<unsigned char>(c)) != 0) {
                out += c;
            }
        }
        return out;
    }
    if (cmd == "SUBST" && args.strings.size() == 2 && !args.strings[0].empty()) {
        const std::string& from = args.strings[0];
        for (std::size_t i = 0; i < cap->size();) {
            if (cap->substr(i, from.size()) == from) {
                out += args.strings[1];
                i += from.size();
            } else {
                out += (*cap)[i++];
            }
        }
        return out;
    }
    return std::nullopt;
}

// One $-variable at the start of `text`; sets `used`.
std::optional<std::string> variable(std::string_view text, const Captures& captures, std::size_t& used) {
    if (text.size() >= 2 && std::isdigit(static_cast<unsigned char>(text[1])) != 0) {
        used = 2;
        const auto cap = capture(captures, text[1] - '0');
        return cap ? std::optional<std::string>(std::string(*cap)) : std::nullopt;
    }
    const auto paren = text.find('(');
    if (paren == std::string_view::npos || paren < 2 || paren > 16) {
        return std::nullopt;
    }
    std::size_t args_used = 0;
    const auto args = command_args(text.substr(paren + 1), args_used);
    if (!args) {
        return std::nullopt;
    }
    used = paren + 1 + args_used;
    return run_command(text.substr(1, paren - 1), *args, captures);
}

}  // namespace

std::optional<std::string> substitute(std::string_view tmpl, const Captures& captures, Transform transform) {
    std::string out;
    while (!tmpl.empty()) {
        const auto dollar = tmpl.find('$');
        out += tmpl.substr(0, dollar);
        if (dollar == std::string_view::npos) {
            break;
        }
        std::size_t used = 0;
        auto value = variable(tmpl.substr(dollar), captures, used);
        if (!value) {
            return std::nullopt;
        }
        out += transform == Transform::cpe ? cpe_escape(*value) : *value;
        tmpl.remove_prefix(dollar + used);
    }
    while (!out.empty() && (std::isspace(static_cast<unsigned char>(out.back())) != 0 || out.back() == ',')) {
        out.pop_back();
    }
    return out;
}

ServiceInfo fill_service(const MatchRule& rule, const Captures& captures) {
    ServiceInfo s;
    s.name = rule.service;
    const Templates& t = rule.templates;
    for (const auto& [tmpl, field] : {std::pair{&t.product, &s.product}, std::pair{&t.version, &s.version},
                                      std::pair{&t.info, &s.extrainfo}, std::pair{&t.hostname, &s.hostname},
                                      std::pair{&t.ostype, &s.ostype}, std::pair{&t.devicetype, &s.devicetype}}) {
        *field = substitute(*tmpl, captures, Transform::none).value_or("");
    }
    // One CPE per part (a, h, o): a later template of a part replaces the earlier one; listed
    // a, h, o. This is what nmap 7.93 writes (a Debian OpenSSH: openssh and linux_kernel, not
    // debian_linux).
    std::array<std::string, 3> parts;
    for (const std::string& tmpl : t.cpes) {
        const auto part = std::string_view("aho").find(tmpl.empty() ? ' ' : tmpl.front());
        auto value = substitute(tmpl, captures, Transform::cpe);
        if (part != std::string_view::npos && value && !value->empty()) {
            parts.at(part) = "cpe:/" + *value;
        }
    }
    for (std::string& p : parts) {
        if (!p.empty()) {
            s.cpes.push_back(std::move(p));
        }
    }
    return s;
}

}  // namespace portwarden::version

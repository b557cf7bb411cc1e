// load_ruleset_source (cli/ruleset_source.hpp): the ruleset readers behind --ruleset, --nft, --iptables.
#include "cli/ruleset_source.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

#include <fmt/format.h>

namespace portwarden::cli {
namespace {

namespace fw = portwarden::firewall;

// The output of a command that reads a ruleset (no packets are sent).
Result<std::string> run_reader(const std::string& command, const char* flag) {
    std::FILE* p = ::popen(command.c_str(), "r");
    if (p == nullptr) {
        return fail(fmt::format("{}: cannot run `{}`", flag, command));
    }
    std::string out;
    std::array<char, 4096> buf{};
    for (std::size_t n; (n = std::fread(buf.data(), 1, buf.size(), p)) > 0;) {
        out.append(buf.data(), n);
    }
    if (::pclose(p) != 0) {
        return fail(fmt::format("{}: `{}` failed (installed? root?)", flag, command));
    }
    return out;
}

// "ip netns exec NAME " for a namespace name `ip netns` accepts (no shell characters), else "".
Result<std::string> prefix_for(const std::string& netns) {
    if (netns.empty()) {
        return std::string{};
    }
    const bool plain = std::all_of(netns.begin(), netns.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
               c == '.';
    });
    if (!plain || netns.front() == '-' || netns == "." || netns == "..") {
        return fail(fmt::format("bad --netns '{}': expected the name of a namespace in /run/netns", netns));
    }
    return "ip netns exec " + netns + " ";
}

Result<fw::Ruleset> read_iptables(const std::string& prefix) {
    auto v4 = run_reader(prefix + "iptables-save 2>/dev/null", "--iptables");
    auto v6 = v4 ? run_reader(prefix + "ip6tables-save 2>/dev/null", "--iptables") : v4;
    if (v4 && v4->find("\n*") == std::string::npos && !v4->starts_with("*")) {
        return fail("--iptables: iptables-save shows no table (rules loaded with the other backend? "
                    "save them with iptables-legacy-save or iptables-nft-save and use --ruleset FILE)");
    }
    auto rules = v6 ? fw::parse_iptables_save(*v4, "iptables-save") : tl::unexpected(v6.error());
    const bool any6 = v6 && v6->find("\n*") != std::string::npos;
    auto rules6 = rules && any6 ? fw::parse_iptables_save(*v6, "ip6tables-save") : rules;
    if (!rules6) {
        return rules6;
    }
    if (any6) {
        for (auto& c : rules6->chains) {
            rules->chains.push_back(std::move(c));
        }
    }
    return rules;
}

}  // namespace

Result<fw::Ruleset> load_ruleset_source(const RulesetSource& source) {
    const int given = (source.file.empty() ? 0 : 1) + (source.nft ? 1 : 0) + (source.iptables ? 1 : 0);
    if (given != 1) {
        return fail("name the ruleset with exactly one of --ruleset FILE, --nft, --iptables");
    }
    if (!source.file.empty()) {
        return fw::load_ruleset(source.file);
    }
    const auto prefix = prefix_for(source.netns);
    if (!prefix) {
        return tl::unexpected(prefix.error());
    }
    if (source.iptables) {
        return read_iptables(*prefix);
    }
    const std::string command = *prefix + "nft -j list ruleset";
    auto text = run_reader(command + " 2>/dev/null", "--nft");
    if (!text) {
        return tl::unexpected(text.error());
    }
    return fw::parse_nft_json(*text, command);
}

}  // namespace portwarden::cli

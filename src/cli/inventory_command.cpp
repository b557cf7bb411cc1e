// `portwarden inventory`: every listening socket of this machine (or of a network namespace),
// who owns it, (--policy) which ones no [[may_listen]] rule allows, and (--ruleset FILE, --nft,
// --iptables) which ones the firewall model says are exposed or firewalled.
// Exit codes: 0 listed (compliant), 1 violations (as audit), 2 error (one line on stderr).
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/cli11_parse.hpp"
#include "cli/commands.hpp"
#include "cli/ruleset_source.hpp"
#include "portwarden/inventory.hpp"

namespace portwarden::cli {
namespace {

Result<void> write_file(const std::string& path, const std::string& text) {
    std::FILE* f = std::fopen(path.c_str(), "w");
    if (f == nullptr) {
        return fail(fmt::format("cannot write '{}': {}", path, std::strerror(errno)));
    }
    const bool written = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    if (std::fclose(f) != 0 || !written) {
        return fail(fmt::format("cannot write '{}'", path));
    }
    return {};
}

}  // namespace

int inventory_command(const std::vector<std::string>& args) {
    CLI::App app{"portwarden inventory: every listening TCP and bound UDP socket, its process, user and unit "
                 "(read from the kernel, no packet sent)",
                 "portwarden inventory"};
    std::string netns;
    std::string json_file;
    std::string policy_path;
    bool json = false;
    RulesetSource rules_from;
    app.add_option("--netns", netns, "a named network namespace (/run/netns/NAME, see ip netns list)");
    app.add_flag("--json", json, "JSON on stdout instead of the table");
    app.add_option("--output-json", json_file, "-oJ FILE: JSON to FILE as well (- for stdout)");
    app.add_option("--policy", policy_path, "a policy whose [[may_listen]] rules say which listeners may exist; "
                                            "exit 1 when one is unexpected");
    app.add_option("--ruleset", rules_from.file, "join with a firewall ruleset: `nft -j list ruleset` output or "
                                                 "iptables-save text (a file)");
    app.add_flag("--nft", rules_from.nft, "join with the ruleset of `nft -j list ruleset` (of --netns NAME, if given)");
    app.add_flag("--iptables", rules_from.iptables, "join with iptables-save / ip6tables-save (of --netns NAME, if given)");
    app.footer("exit: 0 listed (with --policy: every listener allowed), 1 unexpected listeners, 2 error");
    std::vector<std::string> mapped = args;
    std::replace(mapped.begin(), mapped.end(), std::string("-oJ"), std::string("--output-json"));
    if (auto code = parse_or_exit(app, mapped)) {
        return *code;
    }
    std::optional<audit::Policy> policy;
    if (!policy_path.empty()) {
        auto loaded = audit::load_policy(policy_path);
        if (!loaded) {
            return bad_input(loaded.error().message);
        }
        if (loaded->may_listen.empty()) {
            return bad_input(fmt::format("{}: the policy has no [[may_listen]] rules (inventory --policy checks "
                                         "listeners against them)", policy_path));
        }
        policy = std::move(*loaded);
    }
    // A file's ruleset is read first (its errors need no root); a namespace's after the
    // inventory has entered it (a missing namespace is named as such).
    rules_from.netns = netns;
    const bool file_first = !rules_from.file.empty() || netns.empty();
    std::optional<Result<firewall::Ruleset>> rules;
    if (rules_from.given() && file_first) {
        rules = load_ruleset_source(rules_from);
        if (!*rules) {
            return bad_input((*rules).error().message);
        }
    }
    auto listeners = inventory(InventoryOptions{netns});
    if (!listeners) {
        return bad_input(listeners.error().message);
    }
    if (rules_from.given() && !file_first) {
        rules = load_ruleset_source(rules_from);
        if (!*rules) {
            return bad_input((*rules).error().message);
        }
    }
    std::optional<std::vector<IdlePort>> idle;
    if (rules) {
        const auto addresses = host_addresses(netns);
        if (!addresses) {
            return bad_input(addresses.error().message);
        }
        join_firewall(*listeners, **rules, *addresses);
        idle = accepted_without_listener(*listeners, **rules);
    }
    const auto* idle_ports = idle ? &*idle : nullptr;
    std::optional<std::vector<ListenerViolation>> violations;
    if (policy) {
        violations = check_listeners(*policy, *listeners);
    }
    const auto* found = violations ? &*violations : nullptr;
    const std::string json_text =
        render_inventory_json(*listeners, netns, policy ? &*policy : nullptr, found, idle_ports);
    const bool json_stdout = json || json_file == "-";
    if (!json_file.empty() && json_file != "-") {
        if (auto w = write_file(json_file, json_text); !w) {
            return bad_input(w.error().message);
        }
    }
    const std::string out = json_stdout ? json_text : render_inventory_text(*listeners, found, idle_ports);
    std::fwrite(out.data(), 1, out.size(), stdout);
    return found != nullptr && !found->empty() ? 1 : exit_ok;
}

}  // namespace portwarden::cli

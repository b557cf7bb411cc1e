// `inventory --policy`: which listeners the policy's [[may_listen]] rules do not allow.
#include <algorithm>

#include <fmt/format.h>

#include "inventory/describe.hpp"
#include "portwarden/inventory.hpp"

namespace portwarden {
namespace {

// Whether one owning process meets every process condition of the rule (command, user, unit).
bool process_matches(const audit::ListenRule& rule, const Listener& l) {
    if (!rule.process && !rule.user && !rule.unit) {
        return true;
    }
    return std::any_of(l.processes.begin(), l.processes.end(), [&](const ListenerProcess& p) {
        return (!rule.process || p.command == *rule.process) && (!rule.user || p.user == *rule.user) &&
               (!rule.unit || p.unit == rule.unit);
    });
}

// The first condition of `rule` that the listener does not meet (empty: it meets them all).
std::string unmet(const audit::ListenRule& rule, const Listener& l) {
    if (rule.proto != l.proto || rule.port != l.port) {
        return fmt::format("port {}/{}", rule.port, to_string(rule.proto));
    }
    if (!process_matches(rule, l)) {
        std::string want;
        for (const auto& [name, value] : {std::pair{"process", &rule.process}, std::pair{"user", &rule.user},
                                          std::pair{"unit", &rule.unit}}) {
            if (*value) {
                want += fmt::format("{}{} '{}'", want.empty() ? "" : ", ", name, **value);
            }
        }
        return want;
    }
    if (rule.bind && *rule.bind != l.bind) {
        return fmt::format("bind '{}'", to_string(*rule.bind));
    }
    if (rule.address && *rule.address != l.address) {
        return fmt::format("address {}", rule.address->to_string());
    }
    return {};
}

}  // namespace

bool allows(const audit::ListenRule& rule, const Listener& listener) { return unmet(rule, listener).empty(); }

std::vector<ListenerViolation> check_listeners(const audit::Policy& policy, const std::vector<Listener>& listeners) {
    std::vector<ListenerViolation> out;
    for (const Listener& l : listeners) {
        const auto& rules = policy.may_listen;
        if (std::any_of(rules.begin(), rules.end(), [&](const audit::ListenRule& r) { return allows(r, l); })) {
            continue;
        }
        std::string why = "no [[may_listen]] rule allows it";
        const auto near = std::find_if(rules.begin(), rules.end(), [&](const audit::ListenRule& r) {
            return r.proto == l.proto && r.port == l.port;
        });
        if (near != rules.end()) {
            why = fmt::format("the [[may_listen]] rule for {}/{} at line {} wants {}", l.port, to_string(l.proto),
                              near->pos.line, unmet(*near, l));
        }
        out.push_back({l, fmt::format("unexpected listener {} {} ({}): {}", to_string(l.proto),
                                      inv::endpoint(l), inv::owners_text(l), why)});
    }
    return out;
}

}  // namespace portwarden

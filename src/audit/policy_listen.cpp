// The policy's [[may_listen]] rules: which listeners `portwarden inventory --policy` accepts.
#include <fmt/format.h>

#include "audit/policy_parser.hpp"

namespace portwarden::audit::detail {
namespace {

constexpr std::string_view kWhere = "may_listen";

// A non-empty string value of `key`, if the key is there.
Result<std::optional<std::string>> text_of(const PolicyParser& p, const toml::table& t, std::string_view key) {
    const toml::node* node = t.get(key);
    if (node == nullptr) {
        return std::optional<std::string>{};
    }
    if (!node->is_string() || node->as_string()->get().empty()) {
        return p.error(*node, fmt::format("{}.{} must be a non-empty string", kWhere, key));
    }
    return std::optional<std::string>(node->as_string()->get());
}

Result<ListenRule> rule(const PolicyParser& p, const toml::node& node) {
    const auto* t = node.as_table();
    if (t == nullptr) {
        return p.error(node, "may_listen entries must be tables ([[may_listen]])");
    }
    if (auto r = p.check_keys(*t, {"port", "process", "user", "unit", "bind", "address", "owner", "note"},
                              "[[may_listen]]");
        !r) {
        return tl::unexpected(r.error());
    }
    ListenRule rule;
    rule.pos = pos_of(t->source());
    const toml::node* port_node = t->get("port");
    if (port_node == nullptr) {
        return p.error(*t, "may_listen entry has no port");
    }
    auto port = p.port(*port_node, std::string(kWhere));
    if (!port) {
        return tl::unexpected(port.error());
    }
    std::tie(rule.proto, rule.port) = *port;
    for (auto [key, field] : {std::pair{"process", &rule.process}, std::pair{"user", &rule.user},
                              std::pair{"unit", &rule.unit}}) {
        auto value = text_of(p, *t, key);
        if (!value) {
            return tl::unexpected(value.error());
        }
        *field = std::move(*value);
    }
    auto owner = text_of(p, *t, "owner");
    auto note = text_of(p, *t, "note");
    auto bind = text_of(p, *t, "bind");
    auto address = text_of(p, *t, "address");
    for (const auto* r : {&owner, &note, &bind, &address}) {
        if (!*r) {
            return tl::unexpected(r->error());
        }
    }
    rule.owner = owner->value_or("");
    if (*bind) {
        rule.bind = parse_bind_kind(**bind);
        if (!rule.bind) {
            return p.error(*t->get("bind"), fmt::format("{}.bind: bad bind '{}' (expected \"wildcard\", "
                                                        "\"specific\" or \"loopback\")",
                                                        kWhere, **bind));
        }
    }
    if (*address) {
        rule.address = Address::parse(**address);
        if (!rule.address) {
            return p.error(*t->get("address"), fmt::format("{}.address: bad address '{}' (expected a numeric "
                                                           "IPv4 or IPv6 address)",
                                                           kWhere, **address));
        }
    }
    return rule;
}

}  // namespace

Result<std::vector<ListenRule>> parse_may_listen(const PolicyParser& p, const toml::node& node) {
    const auto* entries = node.as_array();
    if (entries == nullptr) {
        return p.error(node, "may_listen must be an array of tables ([[may_listen]])");
    }
    std::vector<ListenRule> rules;
    for (const toml::node& entry : *entries) {
        auto r = rule(p, entry);
        if (!r) {
            return tl::unexpected(r.error());
        }
        rules.push_back(std::move(*r));
    }
    return rules;
}

}  // namespace portwarden::audit::detail

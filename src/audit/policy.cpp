// The policy file (TOML, README "portwarden audit"): every error names FILE:LINE:COLUMN.
#include <algorithm>
#include <array>
#include <charconv>
#include <set>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "audit/policy_hosts.hpp"
#include "audit/policy_parser.hpp"
#include "portwarden/audit.hpp"
#include "portwarden/targets.hpp"

namespace portwarden::audit {
namespace {

using detail::pos_of;

class Parser : public detail::PolicyParser {
public:
    using PolicyParser::PolicyParser;

    Result<Unlisted> unlisted(const toml::node& node, const std::string& where) const {
        const auto* s = node.as_string();
        if (s != nullptr && s->get() == "closed") {
            return Unlisted::closed;
        }
        if (s != nullptr && s->get() == "filtered") {
            return Unlisted::filtered;
        }
        return error(node, fmt::format("{}.unlisted must be \"closed\" or \"filtered\"", where));
    }

    Result<AllowedPort> allowed(const toml::node& node, const std::string& where) const {
        const auto* t = node.as_table();
        if (t == nullptr) {
            return error(node, fmt::format("{} entries must be tables ([[{}]])", where, where));
        }
        if (auto r = check_keys(*t, {"port", "owner", "expires", "must_be_open", "note"}, where); !r) {
            return tl::unexpected(r.error());
        }
        AllowedPort a;
        a.pos = pos_of(t->source());
        const toml::node* port_node = t->get("port");
        if (port_node == nullptr) {
            return error(*t, fmt::format("{} entry has no port", where));
        }
        auto p = port(*port_node, where);
        if (!p) {
            return tl::unexpected(p.error());
        }
        std::tie(a.proto, a.port) = *p;
        const toml::node* owner = t->get("owner");
        if (owner == nullptr) {
            return error(*t, fmt::format("{} entry for port {} has no owner", where, a.port));
        }
        if (!owner->is_string() || owner->as_string()->get().empty()) {
            return error(*owner, fmt::format("{}.owner must be a non-empty string", where));
        }
        a.owner = owner->as_string()->get();
        if (const toml::node* note = t->get("note"); note != nullptr && !note->is_string()) {
            return error(*note, fmt::format("{}.note must be a string", where));
        }
        if (const toml::node* exp = t->get("expires")) {
            const auto* d = exp->as_date();
            if (d == nullptr) {
                return error(*exp, fmt::format("{}.expires must be a date such as 2027-01-31 (no quotes, no time)",
                                               where));
            }
            a.expires = Date{d->get().year, d->get().month, d->get().day};
        }
        if (const toml::node* must = t->get("must_be_open")) {
            if (!must->is_boolean()) {
                return error(*must, fmt::format("{}.must_be_open must be true or false", where));
            }
            a.must_be_open = must->as_boolean()->get();
        }
        return a;
    }

    Result<Group> group(const std::string& name, const toml::node& node, Unlisted default_unlisted) const {
        const std::string where = "groups." + name;
        const auto* t = node.as_table();
        if (t == nullptr) {
            return error(node, fmt::format("{} must be a table ([{}])", where, where));
        }
        if (auto r = check_keys(*t, {"hosts", "unlisted", "allow", "description"}, "[" + where + "]"); !r) {
            return tl::unexpected(r.error());
        }
        Group g;
        g.name = name;
        g.pos = g.unlisted_pos = pos_of(t->source());
        g.unlisted = default_unlisted;
        const toml::node* hosts = t->get("hosts");
        if (hosts == nullptr || !hosts->is_array() || hosts->as_array()->empty()) {
            return error(hosts != nullptr ? *hosts : node,
                         fmt::format("{}.hosts must be a non-empty array of addresses, CIDR blocks or names", where));
        }
        for (const toml::node& h : *hosts->as_array()) {
            if (!h.is_string()) {
                return error(h, fmt::format("{}.hosts entries must be strings", where));
            }
            auto spec = detail::parse_host_spec(h.as_string()->get());
            if (!spec) {
                return error(h, spec.error().message);
            }
            spec->pos = pos_of(h.source());
            g.hosts.push_back(std::move(*spec));
        }
        if (const toml::node* u = t->get("unlisted")) {
            auto mode = unlisted(*u, where);
            if (!mode) {
                return tl::unexpected(mode.error());
            }
            g.unlisted = *mode;
            g.unlisted_pos = pos_of(u->source());
        }
        if (const toml::node* d = t->get("description"); d != nullptr && !d->is_string()) {
            return error(*d, fmt::format("{}.description must be a string", where));
        }
        if (const toml::node* allow = t->get("allow")) {
            if (!allow->is_array()) {
                return error(*allow, fmt::format("{}.allow must be an array of tables ([[{}.allow]])", where, where));
            }
            for (const toml::node& entry : *allow->as_array()) {
                auto a = allowed(entry, where + ".allow");
                if (!a) {
                    return tl::unexpected(a.error());
                }
                for (const AllowedPort& other : g.allow) {
                    if (other.port == a->port && other.proto == a->proto) {
                        return error(a->pos, fmt::format("{}: port {}/{} is already allowed at line {}", where,
                                                         a->port, to_string(a->proto), other.pos.line));
                    }
                }
                g.allow.push_back(std::move(*a));
            }
        }
        std::sort(g.allow.begin(), g.allow.end(),
                  [](const AllowedPort& a, const AllowedPort& b) { return std::pair{a.proto, a.port} < std::pair{b.proto, b.port}; });
        return g;
    }

    // Two groups may cover the same host only if their rules are the same.
    Result<void> check_overlaps(const std::vector<Group>& groups) const {
        for (std::size_t i = 0; i < groups.size(); ++i) {
            for (std::size_t j = i + 1; j < groups.size(); ++j) {
                const Group& a = groups[i];
                const Group& b = groups[j];
                if (a.unlisted == b.unlisted && a.allow == b.allow) {
                    continue;
                }
                for (const HostSpec& ha : a.hosts) {
                    for (const HostSpec& hb : b.hosts) {
                        if (auto what = detail::overlap(ha, hb)) {
                            return error(hb.pos, fmt::format("group '{}' and group '{}' (line {}) cover the same hosts "
                                                             "({}) with conflicting rules",
                                                             b.name, a.name, ha.pos.line, *what));
                        }
                    }
                }
            }
        }
        return {};
    }
};

}  // namespace

std::string to_string(const Date& d) { return fmt::format("{:04}-{:02}-{:02}", d.year, d.month, d.day); }

Result<Policy> parse_policy(std::string_view text, const std::string& path) {
    const Parser p(path);
    toml::table root;
    try {
        root = toml::parse(text, std::string_view(path));
    } catch (const toml::parse_error& e) {
        return p.error(pos_of(e.source()), std::string(e.description()));
    }
    if (auto r = p.check_keys(root, {"defaults", "groups", "may_listen"}, "the policy"); !r) {
        return tl::unexpected(r.error());
    }
    Unlisted default_unlisted = Unlisted::closed;
    if (const toml::node* defaults = root.get("defaults")) {
        if (!defaults->is_table()) {
            return p.error(*defaults, "defaults must be a table ([defaults])");
        }
        if (auto r = p.check_keys(*defaults->as_table(), {"unlisted"}, "[defaults]"); !r) {
            return tl::unexpected(r.error());
        }
        if (const toml::node* u = defaults->as_table()->get("unlisted")) {
            auto mode = p.unlisted(*u, "defaults");
            if (!mode) {
                return tl::unexpected(mode.error());
            }
            default_unlisted = *mode;
        }
    }
    Policy policy;
    policy.path = path;
    if (const toml::node* listen = root.get("may_listen")) {
        auto rules = detail::parse_may_listen(p, *listen);
        if (!rules) {
            return tl::unexpected(rules.error());
        }
        policy.may_listen = std::move(*rules);
    }
    const toml::node* groups = root.get("groups");
    if (groups == nullptr && !policy.may_listen.empty()) {
        return policy;  // listener rules only (portwarden inventory)
    }
    if (groups == nullptr || !groups->is_table() || groups->as_table()->empty()) {
        return p.error(groups != nullptr ? pos_of(groups->source()) : SourcePos{1, 1},
                       "the policy names no groups (add a [groups.NAME] table with hosts)");
    }
    for (auto&& [key, value] : *groups->as_table()) {
        auto g = p.group(std::string(key.str()), value, default_unlisted);
        if (!g) {
            return tl::unexpected(g.error());
        }
        policy.groups.push_back(std::move(*g));
    }
    std::sort(policy.groups.begin(), policy.groups.end(),
              [](const Group& a, const Group& b) { return std::pair{a.pos.line, a.pos.column} < std::pair{b.pos.line, b.pos.column}; });
    if (auto r = p.check_overlaps(policy.groups); !r) {
        return tl::unexpected(r.error());
    }
    return policy;
}

Result<Policy> load_policy(const std::string& path) {
    auto text = read_text_file(path, kPolicyLimits);
    if (!text) {
        return tl::unexpected(text.error());
    }
    return parse_policy(*text, path);
}

Result<Policy> load_host_policy(const std::string& path) {
    auto policy = load_policy(path);
    if (policy && policy->groups.empty()) {
        return fail(fmt::format("{}: the policy names no groups (add a [groups.NAME] table with hosts; "
                                "[[may_listen]] rules are for portwarden inventory)", path));
    }
    return policy;
}

std::vector<std::string> policy_targets(const Policy& policy) {
    std::vector<std::string> out;
    for (const Group& g : policy.groups) {
        for (const HostSpec& h : g.hosts) {
            if (std::find(out.begin(), out.end(), h.text) == out.end()) {
                out.push_back(h.text);
            }
        }
    }
    return out;
}

std::string policy_port_spec(const Policy& policy) {
    std::set<std::pair<Proto, std::uint16_t>> ports;
    for (const Group& g : policy.groups) {
        for (const AllowedPort& a : g.allow) {
            ports.insert({a.proto, a.port});
        }
    }
    std::string out;
    for (const auto& [proto, port] : ports) {
        out += fmt::format("{}{}:{}", out.empty() ? "" : ",", proto == Proto::tcp ? 'T' : 'U', port);
    }
    return out;
}

}  // namespace portwarden::audit

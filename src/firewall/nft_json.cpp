// Reads `nft -j list ruleset` (libnftables-json(5)) into the firewall model. What the model
// understands becomes matches and verdicts; an expression or statement nft knows but the model
// does not becomes Field::unknown / Rule::unknown (its predictions are then "unknown"); one nft
// itself does not know is an error naming the rule.
#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include <fmt/format.h>

#include "firewall/finish.hpp"
#include "firewall/nft_values.hpp"
#include "firewall/rule_expr.hpp"
#include "portwarden/limits.hpp"
#include "portwarden/targets.hpp"

namespace portwarden::firewall {
namespace {

using nft::Json;
using nft::text_of;
using Key = std::tuple<std::string, std::string, std::string>;  // family, table, name

struct Sets {
    std::map<Key, std::vector<Element>> sets;
    std::map<Key, std::vector<std::pair<Element, Statement>>> vmaps;
};

std::string str(const Json& o, const char* key) {
    const auto it = o.find(key);
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Result<void> read_set(const Json& o, bool is_map, Sets& sets) {
    const Key key{str(o, "family"), str(o, "table"), str(o, "name")};
    const auto elem = o.find("elem");
    if (!is_map) {
        std::vector<Element> out;
        if (elem != o.end()) {
            auto e = nft::elements(*elem);
            if (!e) {
                return fail(fmt::format("set {}: {}", std::get<2>(key), e.error().message));
            }
            out = std::move(*e);
        }
        sets.sets[key] = std::move(out);
        return {};
    }
    if (str(o, "map") != "verdict") {
        return {};  // data maps (dnat to ...): only a vmap decides verdicts
    }
    auto& entries = sets.vmaps[key];
    for (const auto& item : elem != o.end() && elem->is_array() ? *elem : Json::array()) {
        if (!item.is_array() || item.size() != 2) {
            return fail(fmt::format("map {}: bad element {}", std::get<2>(key), text_of(item)));
        }
        auto k = nft::element(item[0]);
        Statement v;
        auto ok = read_verdict(item[1], v);
        if (!k || !ok) {
            return fail(fmt::format("map {}: {}", std::get<2>(key), k ? ok.error().message : k.error().message));
        }
        entries.emplace_back(std::move(*k), v);
    }
    return {};
}

Result<Chain> read_chain(const Json& o) {
    Chain c;
    c.family = str(o, "family");
    c.table = str(o, "table");
    c.name = str(o, "name");
    if (o.contains("hook")) {
        c.hook = str(o, "hook");
        c.type = str(o, "type");
        const Json prio = o.value("prio", Json(0));
        if (!prio.is_number_integer()) {
            return fail(fmt::format("chain {} {} {}: bad priority {}", c.family, c.table, c.name, text_of(prio)));
        }
        c.priority = prio.get<std::int64_t>();
        const std::string policy = str(o, "policy");
        c.policy = policy == "drop" ? Action::drop : Action::accept;
    }
    return c;
}

// Named sets and verdict maps referenced by rules become their elements.
Result<void> resolve_sets(Rule& r, const Sets& sets, const std::string& where) {
    for (auto& m : r.matches) {
        if (m.set_name.empty()) {
            continue;
        }
        const auto it = sets.sets.find(Key{r.family, r.table, m.set_name.substr(1)});
        if (it == sets.sets.end()) {
            return fail(fmt::format("{}: no set {} in table {} {}", where, m.set_name, r.family, r.table));
        }
        m.elements = it->second;
    }
    if (r.vmap && !r.vmap->set_name.empty()) {
        const auto it = sets.vmaps.find(Key{r.family, r.table, r.vmap->set_name.substr(1)});
        if (it == sets.vmaps.end()) {
            return fail(fmt::format("{}: no verdict map {} in table {} {}", where, r.vmap->set_name, r.family, r.table));
        }
        r.vmap->entries = it->second;
    }
    return {};
}

std::vector<std::string> targets(const Rule& r) {
    std::vector<std::string> out;
    if (r.verdict.action == Action::jump || r.verdict.action == Action::go_to) {
        out.push_back(r.verdict.target);
    }
    if (r.vmap) {
        for (const auto& [e, s] : r.vmap->entries) {
            if (s.action == Action::jump || s.action == Action::go_to) {
                out.push_back(s.target);
            }
        }
    }
    return out;
}

// Every jump/goto lands on a chain of the same table, and no chain reaches itself.
Result<void> check_jumps(const Ruleset& rs) {
    std::map<const Chain*, int> color;  // 1: on the path, 2: done
    std::function<Result<void>(const Chain&)> visit = [&](const Chain& c) -> Result<void> {
        color[&c] = 1;
        for (const auto& r : c.rules) {
            for (const auto& t : targets(r)) {
                const Chain* next = rs.find(c.family, c.table, t);
                const std::string where = fmt::format("{}: rule handle {} of chain {} {} {}", rs.source, r.handle,
                                                      c.family, c.table, c.name);
                if (next == nullptr) {
                    return fail(fmt::format("{}: jump to missing chain '{}'", where, t));
                }
                if (color[next] == 1) {
                    return fail(fmt::format("{}: jump to '{}' makes a loop", where, t));
                }
                if (color[next] == 0) {
                    if (auto v = visit(*next); !v) {
                        return v;
                    }
                }
            }
        }
        color[&c] = 2;
        return {};
    };
    for (const auto& c : rs.chains) {
        if (color[&c] == 0) {
            if (auto v = visit(c); !v) {
                return v;
            }
        }
    }
    return {};
}

}  // namespace

Result<Ruleset> finish_ruleset(Ruleset rs) {
    if (auto ok = check_jumps(rs); !ok) {
        return tl::unexpected(ok.error());
    }
    return rs;
}

const Chain* Ruleset::find(std::string_view family, std::string_view table, std::string_view name) const {
    for (const auto& c : chains) {
        if (c.family == family && c.table == table && c.name == name) {
            return &c;
        }
    }
    return nullptr;
}

namespace {

Result<Ruleset> read_document(const Json& doc, const std::string& source) {
    Ruleset rs;
    rs.source = source;
    Sets sets;
    std::vector<Rule> rules;
    std::size_t index = 0;
    for (const auto& item : doc["nftables"]) {
        ++index;
        if (!item.is_object() || item.size() != 1) {
            return fail(fmt::format("{}: object {} of the nftables array is not a single-key object", source, index));
        }
        const std::string kind = item.begin().key();
        const Json& o = item.begin().value();
        if (kind == "set" || kind == "map") {
            if (auto r = read_set(o, kind == "map", sets); !r) {
                return fail(fmt::format("{}: {}", source, r.error().message));
            }
        } else if (kind == "chain") {
            auto c = read_chain(o);
            if (!c) {
                return fail(fmt::format("{}: {}", source, c.error().message));
            }
            rs.chains.push_back(std::move(*c));
        } else if (kind == "rule") {
            auto r = read_rule(o, source);
            if (!r) {
                return fail(r.error().message);
            }
            rules.push_back(std::move(*r));
        }
        // metainfo, table, flowtable, counter, quota, ct helper...: nothing to decide with
    }
    for (auto& r : rules) {
        const std::string where = fmt::format("{}: rule handle {} of chain {} {} {}", source, r.handle, r.family,
                                              r.table, r.chain);
        if (auto ok = resolve_sets(r, sets, where); !ok) {
            return fail(ok.error().message);
        }
        const auto chain = std::find_if(rs.chains.begin(), rs.chains.end(), [&](const Chain& c) {
            return c.family == r.family && c.table == r.table && c.name == r.chain;
        });
        if (chain == rs.chains.end()) {
            return fail(fmt::format("{}: the chain is not in the ruleset", where));
        }
        chain->rules.push_back(std::move(r));
    }
    return finish_ruleset(std::move(rs));
}

}  // namespace

Result<Ruleset> parse_nft_json(std::string_view text, const std::string& source) {
    const Json doc = Json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("nftables") || !doc["nftables"].is_array()) {
        return fail(fmt::format("{}: not an nftables JSON ruleset (expected the output of `nft -j list ruleset`)", source));
    }
    try {
        return read_document(doc, source);
    } catch (const nlohmann::json::exception& e) {
        // A value of another JSON type than nft writes there (an array where a name belongs, ...).
        return fail(fmt::format("{}: not an nftables JSON ruleset: {}", source, e.what()));
    }
}

Result<Ruleset> load_ruleset(const std::string& path) {
    auto text = read_text_file(path, kRulesetLimits);
    if (!text) {
        return tl::unexpected(text.error());
    }
    const std::string& body = *text;
    const auto first = body.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && body[first] != '{') {
        return parse_iptables_save(body, path);
    }
    return parse_nft_json(body, path);
}

}  // namespace portwarden::firewall

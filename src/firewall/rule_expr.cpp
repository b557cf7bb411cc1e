// nft JSON rule expressions -> the model (see nft_json.cpp). Every payload match carries the
// dependency nft adds for it (`tcp dport` only matches TCP, `ip saddr` only IPv4) as an implied
// match, so a rule never matches a packet it could not apply to.
#include "firewall/rule_expr.hpp"

#include <algorithm>
#include <array>
#include <string_view>

#include <fmt/format.h>

#include "firewall/nft_values.hpp"

namespace portwarden::firewall {
namespace {

using nft::Json;
using nft::text_of;

struct Lhs {
    std::vector<Field> fields;
    std::optional<std::uint64_t> mask;
    std::vector<Match> implied;
    std::string unknown;
};

Match implied_match(Field f, Atom a) {
    Match m = field_match(f, {Element{std::move(a)}});
    m.implied = true;
    return m;
}

Match implied_family(std::string_view nfproto) { return implied_match(Field::nfproto, name_atom(std::string(nfproto))); }

Match implied_l4(std::uint64_t proto) { return implied_match(Field::l4proto, number_atom(proto, proto)); }

void payload_field(const Json& p, Lhs& out) {
    const std::string proto = p.value("protocol", "");
    const std::string field = p.value("field", "");
    const std::string text = fmt::format("{} {}", proto, field);
    if (proto == "ip" || proto == "ip6") {
        out.implied.push_back(implied_family(proto == "ip" ? "ipv4" : "ipv6"));
        if (field == "saddr" || field == "daddr") {
            out.fields.push_back(field == "saddr" ? Field::saddr : Field::daddr);
        } else if (field == "protocol" || field == "nexthdr") {
            out.fields.push_back(Field::l4proto);
        } else {
            out.fields.push_back(Field::unknown);
            out.unknown = text;
        }
        return;
    }
    if (proto != "th") {
        const auto number = nft::protocol_number(proto);
        if (number) {
            out.implied.push_back(implied_l4(*number));
        }
    }
    const bool ports = proto == "th" || proto == "tcp" || proto == "udp" || proto == "udplite" ||
                       proto == "sctp" || proto == "dccp";
    if (ports && (field == "dport" || field == "sport")) {
        out.fields.push_back(field == "dport" ? Field::dport : Field::sport);
    } else if (proto == "tcp" && field == "flags") {
        out.fields.push_back(Field::tcp_flags);
    } else {
        out.fields.push_back(Field::unknown);
        out.unknown = text;
    }
}

void lhs_field(const Json& e, Lhs& out) {
    if (e.is_object() && e.contains("payload") && e["payload"].is_object()) {
        payload_field(e["payload"], out);
        return;
    }
    if (e.is_object() && e.contains("meta") && e["meta"].is_object()) {
        static constexpr std::array<std::pair<std::string_view, Field>, 7> keys{{
            {"l4proto", Field::l4proto}, {"nfproto", Field::nfproto}, {"protocol", Field::nfproto},
            {"iif", Field::iif}, {"iifname", Field::iif}, {"oif", Field::oif}, {"oifname", Field::oif},
        }};
        const std::string key = e["meta"].value("key", "");
        for (const auto& [name, field] : keys) {
            if (name == key) {
                out.fields.push_back(field);
                return;
            }
        }
        out.unknown = "meta " + key;
    } else if (e.is_object() && e.contains("ct") && e["ct"].is_object()) {
        const std::string key = e["ct"].value("key", "");
        if (key == "state" && !e["ct"].contains("dir")) {
            out.fields.push_back(Field::ct_state);
            return;
        }
        out.unknown = "ct " + key;
    } else if (e.is_object() && e.contains("fib") && e["fib"].is_object()) {
        const Json& f = e["fib"];
        if (f.value("result", "") == "type" && f.value("flags", Json()) == Json::array({"daddr"})) {
            out.fields.push_back(Field::fib_daddr_type);
            return;
        }
        out.unknown = "fib " + text_of(f);
    } else if (e.is_object() && e.contains("&") && e["&"].is_array() && e["&"].size() == 2) {
        Lhs inner;
        lhs_field(e["&"][0], inner);
        auto mask = nft::flag_value(e["&"][1]);
        if (inner.fields == std::vector<Field>{Field::tcp_flags} && mask) {
            out.fields.push_back(Field::tcp_flags);
            out.mask = *mask;
            out.implied.insert(out.implied.end(), inner.implied.begin(), inner.implied.end());
            return;
        }
        out.unknown = "bitmask " + text_of(e);
    } else if (e.is_object() && e.contains("concat") && e["concat"].is_array()) {
        for (const auto& part : e["concat"]) {
            lhs_field(part, out);
        }
        return;
    } else {
        out.unknown = text_of(e);
    }
    out.fields.push_back(Field::unknown);
}

// Names the model compares as numbers (protocols) or as one spelling (families).
void normalize(Match& m) {
    for (auto& e : m.elements) {
        for (std::size_t i = 0; i < e.size() && i < m.fields.size(); ++i) {
            Atom& a = e[i];
            if (m.fields[i] == Field::l4proto && a.kind == Atom::Kind::name) {
                const auto n = nft::protocol_number(a.name);
                a.kind = n ? Atom::Kind::number : Atom::Kind::name;
                a.lo = a.hi = n.value_or(0);
            } else if (m.fields[i] == Field::nfproto && (a.name == "ip" || a.name == "ip6")) {
                a.name = a.name == "ip" ? "ipv4" : "ipv6";
            }
        }
    }
}

Result<void> right_side(const Json& right, const std::string& op, Match& m) {
    if (right.is_string() && right.get<std::string>().starts_with("@")) {
        m.set_name = right.get<std::string>();
        return {};
    }
    if (m.fields == std::vector<Field>{Field::tcp_flags}) {
        auto bits = nft::flag_value(right);
        if (!bits) {
            return fail(bits.error().message);
        }
        Atom a;
        a.lo = a.hi = *bits;
        m.elements = {Element{a}};
        if (op == "in" && !m.mask) {
            m.op = Op::bits_any;
        }
        return {};
    }
    auto els = nft::elements(right);
    if (!els) {
        return fail(els.error().message);
    }
    m.elements = std::move(*els);
    if (op == "<" || op == "<=" || op == ">" || op == ">=") {
        if (m.elements.size() != 1 || m.elements[0].size() != 1 || m.elements[0][0].kind != Atom::Kind::number) {
            return fail(fmt::format("comparison '{}' with {}", op, text_of(right)));
        }
        Atom& a = m.elements[0][0];
        const std::uint64_t v = a.lo;
        const bool port = m.fields[0] == Field::dport || m.fields[0] == Field::sport;
        const std::uint64_t top = port ? 0xffffULL : 0xffffffffULL;
        a.lo = op[0] == '<' ? 0 : (op == ">" ? v + 1 : v);
        a.hi = op[0] == '>' ? top : (op == "<" ? (v == 0 ? 0 : v - 1) : v);
        if (op == "<" && v == 0) {
            m.op = Op::ne;  // nothing is below 0: never matches
            a.lo = 0;
            a.hi = top;
        }
    }
    normalize(m);
    return {};
}

std::vector<Match> read_match(const Json& arg) {
    Lhs lhs;
    lhs_field(arg.value("left", Json()), lhs);
    Match m;
    m.fields = lhs.fields;
    m.mask = lhs.mask;
    m.unknown = lhs.unknown;
    const std::string op = arg.value("op", "==");
    m.op = op == "!=" ? Op::ne : Op::eq;
    if (m.unknown.empty()) {
        if (auto r = right_side(arg.value("right", Json()), op, m); !r) {
            m.fields = {Field::unknown};
            m.unknown = r.error().message;
        }
    }
    std::vector<Match> out = std::move(lhs.implied);
    out.push_back(std::move(m));
    return out;
}

constexpr std::array<std::string_view, 34> known_unmodelled{
    "mangle", "snat", "dnat", "masquerade", "redirect", "notrack", "dup", "fwd", "set", "map", "quota",
    "ct helper", "ct timeout", "ct expectation", "meter", "xt", "tproxy", "synproxy", "secmark", "flow",
    "last", "reset", "numgen", "jhash", "symhash", "osf", "socket", "exthdr", "rt", "ipsec", "tunnel",
    "elem", "inner", "objref",
};

Result<void> read_reject(const Json& arg, Rule& r) {
    r.verdict.action = Action::reject;
    const std::string type = arg.is_object() ? arg.value("type", "") : std::string();
    const std::string expr = arg.is_object() && arg.contains("expr") && arg["expr"].is_string()
                                 ? arg["expr"].get<std::string>() : std::string("port-unreachable");
    r.verdict.reject.type = expr;
    if (type.empty() || type == "icmpx") {
        r.verdict.reject.kind = Reject::Kind::icmpx;
    } else if (type == "tcp reset") {
        r.verdict.reject.kind = Reject::Kind::tcp_reset;
        r.matches.push_back(implied_l4(6));
    } else if (type == "icmp" || type == "icmpv6") {
        r.verdict.reject.kind = type == "icmp" ? Reject::Kind::icmp : Reject::Kind::icmpv6;
        r.matches.push_back(implied_family(type == "icmp" ? "ipv4" : "ipv6"));
    } else {
        return fail(fmt::format("unknown reject type '{}'", type));
    }
    return {};
}

Result<void> read_vmap(const Json& arg, Rule& r) {
    Lhs lhs;
    lhs_field(arg.value("key", Json()), lhs);
    r.matches.insert(r.matches.end(), lhs.implied.begin(), lhs.implied.end());
    VerdictMap vm;
    vm.fields = lhs.fields;
    const Json data = arg.value("data", Json());
    if (!lhs.unknown.empty()) {
        r.unknown = "vmap on " + lhs.unknown;
    } else if (data.is_string()) {
        vm.set_name = data.get<std::string>();
    } else if (data.is_object() && data.contains("set") && data["set"].is_array()) {
        for (const auto& pair : data["set"]) {
            auto k = pair.is_array() && pair.size() == 2 ? nft::element(pair[0]) : fail("bad vmap element");
            if (!k) {
                return fail(k.error().message);
            }
            auto s = Statement{};
            const Json& v = pair[1];
            if (v.is_object() && v.contains("reject")) {
                return fail("reject in a verdict map");
            }
            Rule tmp;
            if (auto ok = read_verdict(v, tmp.verdict); !ok) {
                return fail(ok.error().message);
            }
            vm.entries.emplace_back(std::move(*k), tmp.verdict);
        }
    } else {
        return fail(fmt::format("bad vmap data {}", text_of(data)));
    }
    r.vmap = std::move(vm);
    return {};
}

Result<void> read_statement(const std::string& name, const Json& arg, Rule& r) {
    if (name == "match") {
        for (auto& m : read_match(arg)) {
            r.matches.push_back(std::move(m));
        }
    } else if (name == "accept" || name == "drop" || name == "return" || name == "jump" || name == "goto" ||
               name == "continue") {
        return read_verdict(Json{{name, arg}}, r.verdict);
    } else if (name == "reject") {
        return read_reject(arg, r);
    } else if (name == "queue") {
        r.verdict.action = Action::queue;
    } else if (name == "limit") {
        r.rate_dependent = true;
    } else if (name == "vmap") {
        return read_vmap(arg, r);
    } else if (name == "counter" || name == "log" || name == "comment") {
        // no effect on the verdict
    } else if (std::find(known_unmodelled.begin(), known_unmodelled.end(), name) != known_unmodelled.end()) {
        if (r.unknown.empty()) {
            r.unknown = name;
        }
    } else {
        return fail(fmt::format("unknown expression '{}'", name));
    }
    return {};
}

}  // namespace

Result<void> read_verdict(const Json& v, Statement& out) {
    if (!v.is_object() || v.size() != 1) {
        return fail(fmt::format("bad verdict {}", text_of(v)));
    }
    const std::string name = v.begin().key();
        const Json& arg = v.begin().value();
    static constexpr std::array<std::pair<std::string_view, Action>, 6> names{{
        {"accept", Action::accept}, {"drop", Action::drop}, {"return", Action::ret},
        {"continue", Action::none}, {"jump", Action::jump}, {"goto", Action::go_to},
    }};
    for (const auto& [n, a] : names) {
        if (n == name) {
            out.action = a;
        }
    }
    if (out.action == Action::none && name != "continue") {
        return fail(fmt::format("unknown verdict '{}'", name));
    }
    if (out.action == Action::jump || out.action == Action::go_to) {
        out.target = arg.is_object() ? arg.value("target", "") : std::string();
        if (out.target.empty()) {
            return fail(fmt::format("{} without a target", name));
        }
    }
    return {};
}

Result<Rule> read_rule(const Json& o, const std::string& source) {
    Rule r;
    r.family = o.value("family", "");
    r.table = o.value("table", "");
    r.chain = o.value("chain", "");
    // Checked before it is read: a float such as 2.6e86 would convert with undefined behaviour.
    const auto handle = o.find("handle");
    if (handle != o.end() && !handle->is_number_unsigned()) {
        return fail(fmt::format("{}: rule of chain {} {} {}: bad handle {}", source, r.family, r.table, r.chain,
                                text_of(*handle)));
    }
    r.handle = handle != o.end() ? handle->get<std::uint64_t>() : 0;
    const auto where = [&](const std::string& what) {
        return fail(fmt::format("{}: rule handle {} of chain {} {} {}: {}", source, r.handle, r.family, r.table,
                                r.chain, what));
    };
    const Json expr = o.value("expr", Json());
    if (!expr.is_array()) {
        return where("no expression list");
    }
    for (const auto& e : expr) {
        if (!e.is_object() || e.size() != 1) {
            return where(fmt::format("bad expression {}", text_of(e)));
        }
        const std::string name = e.begin().key();
        const Json& arg = e.begin().value();
        if (auto ok = read_statement(name, arg, r); !ok) {
            return where(ok.error().message);
        }
    }
    return r;
}

}  // namespace portwarden::firewall

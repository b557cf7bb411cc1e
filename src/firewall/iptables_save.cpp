// iptables-save / ip6tables-save text (legacy and nft backends print the same) -> the firewall
// model. Tables become chains with netfilter's hooks and priorities (raw -300, mangle -150,
// nat -100, filter 0); a rule's handle is its line. Options the model does not understand
// become unknown matches (their predictions are "unknown"); targets other than ACCEPT, DROP,
// REJECT, RETURN, LOG, QUEUE/NFQUEUE and user chains are unknown statements.
#include <algorithm>
#include <cctype>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "firewall/finish.hpp"
#include "firewall/nft_values.hpp"
#include "portwarden/firewall.hpp"

namespace portwarden::firewall {
namespace {

// Splits a rule line into words; "double quoted" words keep their spaces.
std::vector<std::string> words(std::string_view line) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && line[i] == ' ') {
            ++i;
        }
        if (i >= line.size()) {
            break;
        }
        std::string w;
        bool quoted = false;
        for (; i < line.size() && (quoted || line[i] != ' '); ++i) {
            if (line[i] == '"') {
                quoted = !quoted;
            } else if (line[i] == '\\' && i + 1 < line.size()) {
                w += line[++i];
            } else {
                w += line[i];
            }
        }
        out.push_back(std::move(w));
    }
    return out;
}

Atom number(std::uint64_t lo, std::uint64_t hi) { return number_atom(lo, hi); }
Atom name(std::string n) { return name_atom(std::move(n)); }
Match match(Field f, std::vector<Element> elements, bool negate) {
    return field_match(f, std::move(elements), negate ? Op::ne : Op::eq);
}

// "22", "1:1023", "80,443,8000:8010" -> port elements.
Result<std::vector<Element>> ports(const std::string& text) {
    std::vector<Element> out;
    std::istringstream in(text);
    for (std::string item; std::getline(in, item, ',');) {
        const auto colon = item.find(':');
        try {
            const auto lo = std::stoul(item.substr(0, colon));
            const auto hi = colon == std::string::npos ? lo : std::stoul(item.substr(colon + 1));
            out.push_back({number(lo, hi)});
        } catch (const std::exception&) {
            return fail(fmt::format("bad port '{}'", item));
        }
    }
    return out;
}

Result<Element> address(const std::string& text) {
    const auto slash = text.find('/');
    const auto a = Address::parse(text.substr(0, slash));
    const std::string len_text = slash == std::string::npos ? "" : text.substr(slash + 1);
    const bool len_ok = len_text.empty() || (len_text.size() <= 3 && len_text.find_first_not_of("0123456789") == std::string::npos);
    if (!a || !len_ok) {
        return fail(fmt::format("bad address '{}'", text));
    }
    const unsigned len = len_text.empty() ? (a->is_v4() ? 32U : 128U) : static_cast<unsigned>(std::stoul(len_text));
    return nft::element(nft::Json{{"prefix", {{"addr", text.substr(0, slash)}, {"len", len}}}});
}

std::string lower(std::string s);

std::uint64_t flag_bits(const std::string& text) {
    std::uint64_t bits = 0;
    std::istringstream in(text);
    for (std::string f; std::getline(in, f, ',');) {
        f = lower(f);
        bits |= f == "all" ? 0x3f : nft::tcp_flag_bits(f).value_or(0);
    }
    return bits;
}

// --reject-with names -> the nft reject they are.
std::optional<Reject> reject_with(const std::string& t) {
    static const std::map<std::string, Reject> names{
        {"tcp-reset", {Reject::Kind::tcp_reset, ""}}, {"tcp-rst", {Reject::Kind::tcp_reset, ""}},
        {"icmp-port-unreachable", {Reject::Kind::icmp, "port-unreachable"}},
        {"icmp-net-unreachable", {Reject::Kind::icmp, "net-unreachable"}},
        {"icmp-host-unreachable", {Reject::Kind::icmp, "host-unreachable"}},
        {"icmp-proto-unreachable", {Reject::Kind::icmp, "prot-unreachable"}},
        {"icmp-net-prohibited", {Reject::Kind::icmp, "net-prohibited"}},
        {"icmp-host-prohibited", {Reject::Kind::icmp, "host-prohibited"}},
        {"icmp-admin-prohibited", {Reject::Kind::icmp, "admin-prohibited"}},
        {"icmp6-no-route", {Reject::Kind::icmpv6, "no-route"}}, {"no-route", {Reject::Kind::icmpv6, "no-route"}},
        {"icmp6-adm-prohibited", {Reject::Kind::icmpv6, "admin-prohibited"}},
        {"adm-prohibited", {Reject::Kind::icmpv6, "admin-prohibited"}},
        {"icmp6-addr-unreachable", {Reject::Kind::icmpv6, "addr-unreachable"}},
        {"addr-unreach", {Reject::Kind::icmpv6, "addr-unreachable"}},
        {"icmp6-port-unreachable", {Reject::Kind::icmpv6, "port-unreachable"}},
        {"port-unreach", {Reject::Kind::icmpv6, "port-unreachable"}},
    };
    const auto it = names.find(t);
    return it == names.end() ? std::nullopt : std::optional<Reject>(it->second);
}

struct Table {
    std::string family;
    std::string name;
    std::vector<std::string> chains;  // declared so far (":NAME POLICY" lines come first)
};

std::string lower(std::string s) {
    for (auto& c : s) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return s;
}

bool is_builtin_target(const std::string& t) {
    return std::all_of(t.begin(), t.end(), [](char c) { return std::isupper(static_cast<unsigned char>(c)) || c == '_'; });
}

// One "-A CHAIN ..." line, option by option.
struct LineParser {
    const std::vector<std::string>& w;
    const Table& t;
    Rule r;
    std::size_t i = 2;

    Result<std::string> arg() {
        if (i + 1 >= w.size()) {
            return fail(fmt::format("'{}' without a value", w[i]));
        }
        return w[++i];
    }

    Result<void> target(const std::string& o, const std::string& name) {
        static const std::map<std::string, Action> verdicts{
            {"ACCEPT", Action::accept}, {"DROP", Action::drop}, {"RETURN", Action::ret},
            {"QUEUE", Action::queue}, {"NFQUEUE", Action::queue}, {"REJECT", Action::reject}, {"LOG", Action::none}};
        const bool declared = std::find(t.chains.begin(), t.chains.end(), name) != t.chains.end();
        if (const auto it = verdicts.find(name); it != verdicts.end() && !declared) {
            r.verdict.action = it->second;
            r.verdict.reject = t.family == "ip6" ? Reject{Reject::Kind::icmpv6, "port-unreachable"}
                                                 : Reject{Reject::Kind::icmp, "port-unreachable"};
        } else if (!declared && is_builtin_target(name)) {
            r.unknown = "-j " + name;  // MARK, DNAT, CT, TCPMSS, ...: a target the model does not know
        } else {
            r.verdict.action = o == "-g" || o == "--goto" ? Action::go_to : Action::jump;
            r.verdict.target = name;
        }
        return {};
    }

    Result<void> value_option(const std::string& o, bool neg) {
        auto a = arg();
        if (!a) {
            return tl::unexpected(a.error());
        }
        const std::string& v = *a;
        if (o == "-p" || o == "--protocol") {
            if (v != "all") {
                const auto n = nft::protocol_number(v == "ipv6-icmp" || v == "icmp6" ? "icmpv6" : v);
                r.matches.push_back(n ? match(Field::l4proto, {{number(*n, *n)}}, neg) : match(Field::unknown, {}, neg));
                r.matches.back().unknown = n ? "" : "-p " + v;
            }
        } else if (o == "-s" || o == "--source" || o == "-d" || o == "--destination") {
            auto e = address(v);
            if (!e) {
                return tl::unexpected(e.error());
            }
            r.matches.push_back(match(o == "-s" || o == "--source" ? Field::saddr : Field::daddr, {*e}, neg));
        } else if (o == "-i" || o == "--in-interface" || o == "-o" || o == "--out-interface") {
            std::string n = v;
            if (n.ends_with('+')) {
                n.back() = '*';
            }
            r.matches.push_back(match(o == "-i" || o == "--in-interface" ? Field::iif : Field::oif, {{name(n)}}, neg));
        } else if (o.find("port") != std::string::npos) {  // --dport(s), --sport(s), --destination-port(s) ...
            auto p = ports(v);
            if (!p) {
                return tl::unexpected(p.error());
            }
            r.matches.push_back(match(o[2] == 'd' ? Field::dport : Field::sport, *p, neg));
        } else if (o == "--ctstate" || o == "--state") {
            std::vector<Element> states;
            std::istringstream in(v);
            for (std::string st; std::getline(in, st, ',');) {
                states.push_back({name(lower(st))});
            }
            r.matches.push_back(match(Field::ct_state, states, neg));
        } else if (o == "--dst-type") {
            r.matches.push_back(match(Field::fib_daddr_type, {{name(lower(v))}}, neg));
        } else if (o == "--limit") {
            r.rate_dependent = true;
        } else if (o == "-j" || o == "--jump" || o == "-g" || o == "--goto") {
            return target(o, v);
        } else if (o == "--reject-with") {
            const auto rej = reject_with(v);
            if (!rej) {
                return fail(fmt::format("unknown --reject-with '{}'", v));
            }
            r.verdict.reject = *rej;
        }
        return {};  // -m NAME, --comment, --log-prefix, ...: no effect on the verdict
    }

    Result<void> option(const std::string& o, bool neg) {
        static const std::array<std::string_view, 28> with_value{
            "-p", "--protocol", "-s", "--source", "-d", "--destination", "-i", "--in-interface", "-o",
            "--out-interface", "--dport", "--sport", "--dports", "--sports", "--destination-port",
            "--source-port", "--destination-ports", "--source-ports", "--ctstate", "--state", "--dst-type",
            "--limit", "-j", "--jump", "-g", "--goto", "--reject-with", "-m"};
        static const std::array<std::string_view, 6> ignored_value{"--match", "--comment", "--log-prefix",
                                                                    "--log-level", "--limit-burst", "--queue-num"};
        static const std::array<std::string_view, 3> ignored_flag{"--log-tcp-options", "--log-ip-options", "--queue-bypass"};
        const auto in = [&](const auto& list) { return std::find(list.begin(), list.end(), o) != list.end(); };
        if (in(with_value)) {
            return value_option(o, neg);
        }
        if (in(ignored_value)) {
            auto a = arg();
            return a ? Result<void>{} : tl::unexpected(a.error());
        }
        if (in(ignored_flag)) {
            return {};
        }
        if (o == "--tcp-flags" || o == "--syn") {
            Match m = match(Field::tcp_flags, {}, neg);
            std::uint64_t comp = 0x02;
            m.mask = 0x17;
            if (o == "--tcp-flags") {
                auto mask = arg();
                auto c = mask ? arg() : mask;
                if (!c) {
                    return tl::unexpected(c.error());
                }
                m.mask = flag_bits(*mask);
                comp = flag_bits(*c);
            }
            m.elements = {{number(comp, comp)}};
            r.matches.push_back(m);
            return {};
        }
        if (!o.starts_with("-")) {
            return fail(fmt::format("unexpected '{}'", o));
        }
        Match m = match(Field::unknown, {}, neg);  // an option the model does not know, with its values
        m.unknown = o;
        while (i + 1 < w.size() && !w[i + 1].starts_with("-") && w[i + 1] != "!") {
            m.unknown += " " + w[++i];
        }
        r.matches.push_back(m);
        return {};
    }

    Result<Rule> parse() {
        r.family = t.family;
        r.table = t.name;
        r.chain = w[1];
        bool negate = false;
        for (; i < w.size(); ++i) {
            if (w[i] == "!") {
                negate = true;
                continue;
            }
            if (auto ok = option(w[i], negate); !ok) {
                return tl::unexpected(ok.error());
            }
            negate = false;
        }
        if (r.verdict.action != Action::reject) {
            r.verdict.reject = {};
        }
        return r;
    }
};

std::int64_t table_priority(const std::string& table) {
    if (table == "raw") { return -300; }
    if (table == "mangle") { return -150; }
    if (table == "nat") { return -100; }
    if (table == "security") { return 50; }
    return 0;
}

std::optional<std::string> hook_of(const std::string& chain) {
    static const std::map<std::string, std::string> hooks{{"PREROUTING", "prerouting"}, {"INPUT", "input"},
                                                          {"FORWARD", "forward"}, {"OUTPUT", "output"},
                                                          {"POSTROUTING", "postrouting"}};
    const auto it = hooks.find(chain);
    return it == hooks.end() ? std::nullopt : std::optional<std::string>(it->second);
}

}  // namespace

Result<Ruleset> parse_iptables_save(std::string_view text, const std::string& source) {
    Ruleset rs;
    rs.source = source;
    // ip6tables-save says so in its header; without one, IPv6 addresses or ICMPv6 rejects tell.
    const bool v6 = text.find("Generated by ip6tables") != std::string_view::npos ||
                    (text.find("# Generated by") == std::string_view::npos &&
                     (text.find("icmp6") != std::string_view::npos || text.find("::") != std::string_view::npos));
    const std::string family = v6 ? "ip6" : "ip";
    std::optional<Table> table;
    std::istringstream in{std::string(text)};
    std::size_t line_no = 0;
    std::vector<Rule> rules;
    for (std::string line; std::getline(in, line);) {
        ++line_no;
        const auto where = [&](const std::string& what) { return fail(fmt::format("{}:{}: {}", source, line_no, what)); };
        if (line.empty() || line[0] == '#') {
            continue;
        }
        const auto w = words(line);
        if (w.empty()) {
            continue;  // only blanks
        }
        if (w[0].starts_with("*")) {
            table = Table{family, w[0].substr(1), {}};
        } else if (w[0] == "COMMIT") {
            table.reset();
        } else if (!table) {
            return where("neither nftables JSON (`nft -j list ruleset`) nor iptables-save text (no *table line before it)");
        } else if (w[0].starts_with(":") && w.size() >= 2) {
            Chain c;
            c.family = family;
            c.table = table->name;
            c.name = w[0].substr(1);
            c.hook = w[1] == "-" ? std::nullopt : hook_of(c.name);
            c.priority = table_priority(table->name);
            c.type = table->name == "nat" ? "nat" : "filter";
            c.policy = w[1] == "DROP" ? Action::drop : Action::accept;
            table->chains.push_back(c.name);
            rs.chains.push_back(std::move(c));
        } else if ((w[0] == "-A" || w[0] == "--append") && w.size() >= 2) {
            auto r = LineParser{w, *table, {}}.parse();
            if (!r) {
                return where(r.error().message);
            }
            r->handle = line_no;
            rules.push_back(std::move(*r));
        } else {
            return where(fmt::format("not an iptables-save line: '{}'", line.substr(0, 40)));
        }
    }
    if (rs.chains.empty()) {
        return fail(fmt::format("{}: neither nftables JSON (`nft -j list ruleset`) nor iptables-save text", source));
    }
    for (auto& r : rules) {
        auto chain = std::find_if(rs.chains.begin(), rs.chains.end(), [&](const Chain& c) {
            return c.table == r.table && c.name == r.chain;
        });
        if (chain == rs.chains.end()) {
            return fail(fmt::format("{}:{}: chain {} is not declared in table {}", source, r.handle, r.chain, r.table));
        }
        chain->rules.push_back(std::move(r));
    }
    return finish_ruleset(std::move(rs));
}

}  // namespace portwarden::firewall

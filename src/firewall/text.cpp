// The model back as nft-like text, for explain and the check reports.
#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "portwarden/firewall.hpp"

namespace portwarden::firewall {
namespace {

std::string atom_text(const Atom& a) {
    switch (a.kind) {
        case Atom::Kind::number: return a.lo == a.hi ? fmt::format("{}", a.lo) : fmt::format("{}-{}", a.lo, a.hi);
        case Atom::Kind::address:
            return a.first == a.last ? a.first.to_string() : fmt::format("{}-{}", a.first.to_string(), a.last.to_string());
        case Atom::Kind::name: return fmt::format("\"{}\"", a.name);
    }
    return "?";
}

std::string element_text(const Element& e) {
    std::string out;
    for (const auto& a : e) {
        out += (out.empty() ? "" : " . ") + atom_text(a);
    }
    return out;
}

// The transport a rule's port matches apply to, as nft writes it before `dport`/`sport`: from
// its (implied or written) `meta l4proto` match of one protocol; "th" (any transport header)
// when the rule names none.
std::string transport_name(const Rule& r) {
    for (const Match& m : r.matches) {
        if (m.fields == std::vector<Field>{Field::l4proto} && m.op == Op::eq && m.elements.size() == 1 &&
            m.elements[0].size() == 1 && m.elements[0][0].kind == Atom::Kind::number &&
            m.elements[0][0].lo == m.elements[0][0].hi) {
            switch (m.elements[0][0].lo) {
                case 6: return "tcp";
                case 17: return "udp";
                case 33: return "dccp";
                case 132: return "sctp";
                case 136: return "udplite";
                default: break;
            }
        }
    }
    return "th";
}

// `transport`: the name port fields get in front ("tcp dport"), empty for none.
std::string fields_text(const std::vector<Field>& fields, const std::string& transport = "") {
    std::string out;
    for (const auto f : fields) {
        const bool port = f == Field::sport || f == Field::dport;
        out += (out.empty() ? "" : " . ") + (port && !transport.empty() ? transport + " " : "") + std::string(to_string(f));
    }
    return out;
}

std::string flags_text(std::uint64_t bits) {
    static constexpr std::array<std::string_view, 8> names{"fin", "syn", "rst", "psh", "ack", "urg", "ecn", "cwr"};
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if ((bits >> i) & 1U) {
            out += (out.empty() ? "" : "|") + std::string(names[i]);
        }
    }
    return out.empty() ? "0x0" : out;
}

std::string match_text(const Match& m, const std::string& transport) {
    if (!m.unknown.empty()) {
        return m.unknown;
    }
    std::string left = fields_text(m.fields, transport);
    if (m.mask) {
        left = fmt::format("{} & ({})", left, flags_text(*m.mask));
    }
    const std::string op = m.op == Op::ne ? "!= " : (m.mask ? "== " : "");
    if (!m.set_name.empty()) {
        return fmt::format("{} {}{}", left, op, m.set_name);
    }
    if (m.fields == std::vector<Field>{Field::tcp_flags}) {
        return fmt::format("{} {}{}", left, op, m.elements.empty() ? "" : flags_text(m.elements[0][0].lo));
    }
    if (m.elements.size() == 1) {
        return fmt::format("{} {}{}", left, op, element_text(m.elements[0]));
    }
    std::string set;
    for (const auto& e : m.elements) {
        set += (set.empty() ? "" : ", ") + element_text(e);
    }
    return fmt::format("{} {}{{ {} }}", left, op, set);
}

std::string statement_text(const Statement& s) {
    switch (s.action) {
        case Action::reject:
            if (s.reject.kind == Reject::Kind::tcp_reset) {
                return "reject with tcp reset";
            }
            return fmt::format("reject with {} type {}",
                               s.reject.kind == Reject::Kind::icmpx ? "icmpx"
                               : s.reject.kind == Reject::Kind::icmp ? "icmp" : "icmpv6",
                               s.reject.type);
        case Action::jump:
        case Action::go_to: return fmt::format("{} {}", to_string(s.action), s.target);
        default: return std::string(to_string(s.action));
    }
}

}  // namespace

std::string_view to_string(Field f) {
    static constexpr std::array<std::string_view, 12> names{
        "meta nfproto", "meta l4proto", "saddr", "daddr", "sport", "dport", "iif", "oif",
        "ct state", "fib daddr type", "tcp flags", "(not understood)"};
    return names[static_cast<std::size_t>(f)];
}

std::string_view to_string(Action a) {
    static constexpr std::array<std::string_view, 9> names{
        "", "accept", "drop", "reject", "jump", "goto", "return", "queue", "(not understood)"};
    return names[static_cast<std::size_t>(a)];
}

std::string rule_text(const Rule& r) {
    std::string out;
    const auto add = [&](const std::string& part) {
        if (!part.empty()) {
            out += (out.empty() ? "" : " ") + part;
        }
    };
    const std::string transport = transport_name(r);
    const auto names_port = [](const std::vector<Field>& fields) {
        return std::any_of(fields.begin(), fields.end(), [](Field f) { return f == Field::sport || f == Field::dport; });
    };
    const bool ports = std::any_of(r.matches.begin(), r.matches.end(), [&](const Match& m) { return names_port(m.fields); }) ||
                       (r.vmap && names_port(r.vmap->fields));
    for (const auto& m : r.matches) {
        // iptables' `-p tcp --dport 22` is "tcp dport 22": the protocol is in front of the port.
        const bool said_by_port = ports && transport != "th" && m.fields == std::vector<Field>{Field::l4proto} &&
                                  m.op == Op::eq && m.elements.size() == 1;
        if (!m.implied && !said_by_port) {
            add(match_text(m, transport));
        }
    }
    if (r.rate_dependent) {
        add("limit rate ...");
    }
    if (!r.unknown.empty()) {
        add(r.unknown + " ...");
    }
    if (r.vmap) {
        std::string entries;
        for (const auto& [e, s] : r.vmap->entries) {
            entries += (entries.empty() ? "" : ", ") + element_text(e) + " : " + statement_text(s);
        }
        add(fmt::format("{} vmap {}", fields_text(r.vmap->fields, transport),
                        r.vmap->set_name.empty() ? "{ " + entries + " }" : r.vmap->set_name));
    }
    add(statement_text(r.verdict));
    return out;
}

std::string describe(const Decision& d) {
    if (d.rule) {
        return fmt::format("rule {} handle {}: {}", d.chain, d.rule->handle, rule_text(*d.rule));
    }
    if (d.chain.starts_with("(")) {
        return "no base chain on the packet's path: the kernel accepts it";
    }
    return fmt::format("policy {} of chain {}", d.outcome == Outcome::drop ? "drop" : "accept", d.chain);
}

}  // namespace portwarden::firewall

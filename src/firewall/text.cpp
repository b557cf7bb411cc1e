// The model back as nft-like text, for explain and the check reports.
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

std::string fields_text(const std::vector<Field>& fields) {
    std::string out;
    for (const auto f : fields) {
        out += (out.empty() ? "" : " . ") + std::string(to_string(f));
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

std::string match_text(const Match& m) {
    if (!m.unknown.empty()) {
        return m.unknown;
    }
    std::string left = fields_text(m.fields);
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
    for (const auto& m : r.matches) {
        if (!m.implied) {
            add(match_text(m));
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
        add(fmt::format("{} vmap {}", fields_text(r.vmap->fields),
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

// The verdict of a ruleset on one packet, the way netfilter reaches it: the base chains of
// each hook on the packet's path (prerouting then input, or prerouting then forward), lowest
// priority first; an accept ends its base chain only, a drop or reject ends everything.
// Matches are three-valued: a field the packet description leaves open (source, interface)
// or an expression the model does not know makes a rule "maybe"; a maybe rule that would
// decide something makes the whole decision unknown, never a guess.
#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "portwarden/firewall.hpp"

namespace portwarden::firewall {
namespace {

enum class Tri : std::uint8_t { no, yes, maybe };

constexpr int max_depth = 64;  // jump nesting (loops are refused when the ruleset is read)

struct Probe {
    const Packet& packet;
    std::uint8_t tcp_flags = 0;
    std::string_view ct_state;
};

std::uint8_t flags_of(Technique t) {
    switch (t) {
        case Technique::syn:
        case Technique::connect: return 0x02;
        case Technique::ack:
        case Technique::window: return 0x10;
        case Technique::fin: return 0x01;
        case Technique::null: return 0x00;
        case Technique::xmas: return 0x29;
        case Technique::maimon: return 0x11;
        default: return 0;
    }
}

// Conntrack's view of a first packet: a SYN, or a lone ACK (tcp_loose picks it up), or UDP
// is "new"; FIN, FIN/ACK, NULL and Xmas without a connection are "invalid".
std::string_view ct_state_of(Technique t, Proto p) {
    if (p == Proto::udp) {
        return "new";
    }
    const auto f = flags_of(t);
    return (f == 0x02 || f == 0x10) ? "new" : "invalid";
}

Tri atom_matches(const Atom& a, Field f, const Probe& pr) {
    const Packet& p = pr.packet;
    const auto number = [&](std::uint64_t v) { return a.kind == Atom::Kind::number && a.lo <= v && v <= a.hi; };
    const auto name = [&](std::string_view v) {
        if (a.kind != Atom::Kind::name) {
            return false;
        }
        return a.name.ends_with('*') ? v.starts_with(std::string_view(a.name).substr(0, a.name.size() - 1))
                                     : a.name == v;
    };
    const auto address = [&](const Address& v) {
        return a.kind == Atom::Kind::address && a.first.family() == v.family() && a.first <= v && v <= a.last;
    };
    const auto yes = [](bool b) { return b ? Tri::yes : Tri::no; };
    switch (f) {
        case Field::nfproto: return yes(name(p.dst.is_v4() ? "ipv4" : "ipv6"));
        case Field::l4proto: return yes(number(p.proto == Proto::tcp ? 6 : 17));
        case Field::saddr: return p.src ? yes(address(*p.src)) : Tri::maybe;
        case Field::daddr: return yes(address(p.dst));
        case Field::sport: return p.sport ? yes(number(*p.sport)) : Tri::maybe;
        case Field::dport: return yes(number(p.dport));
        case Field::iif:
            if (!p.iif.empty()) {
                return yes(name(p.iif));
            }
            // Probes come from another host unless the source says otherwise, and a packet from
            // another host never arrives on the loopback interface.
            if (a.kind == Atom::Kind::name && a.name == "lo") {
                const bool local = p.src && (p.src->to_string() == "127.0.0.1" || p.src->to_string() == "::1" ||
                                             *p.src == p.dst);
                return local ? Tri::yes : Tri::no;
            }
            return Tri::maybe;
        case Field::oif:
            if (!p.forward) {
                return Tri::no;  // no output interface on the input path
            }
            return p.oif.empty() ? Tri::maybe : yes(name(p.oif));
        case Field::ct_state: return yes(name(pr.ct_state));
        case Field::fib_daddr_type: return yes(name(p.forward ? "unicast" : "local"));
        case Field::tcp_flags: return yes(number(pr.tcp_flags));
        case Field::unknown: return Tri::maybe;
    }
    return Tri::maybe;
}

Tri element_matches(const Element& e, const Match& m, const Probe& pr) {
    if (e.size() != m.fields.size()) {
        return Tri::maybe;
    }
    Tri out = Tri::yes;
    for (std::size_t i = 0; i < e.size(); ++i) {
        const Tri t = atom_matches(e[i], m.fields[i], pr);
        if (t == Tri::no) {
            return Tri::no;
        }
        if (t == Tri::maybe) {
            out = Tri::maybe;
        }
    }
    return out;
}

Tri match(const Match& m, const Probe& pr) {
    if (std::find(m.fields.begin(), m.fields.end(), Field::unknown) != m.fields.end()) {
        return Tri::maybe;
    }
    if (m.fields.size() == 1 && m.fields[0] == Field::tcp_flags) {
        const std::uint64_t flags = pr.tcp_flags & m.mask.value_or(0xff);
        bool hit = false;
        for (const auto& e : m.elements) {
            hit = hit || (m.op == Op::bits_any ? (flags & e[0].lo) != 0 : flags == e[0].lo);
        }
        return (hit != (m.op == Op::ne)) ? Tri::yes : Tri::no;
    }
    Tri any = Tri::no;
    for (const auto& e : m.elements) {
        const Tri t = element_matches(e, m, pr);
        if (t == Tri::yes) {
            any = Tri::yes;
            break;
        }
        if (t == Tri::maybe) {
            any = Tri::maybe;
        }
    }
    if (m.op == Op::ne && any != Tri::maybe) {
        return any == Tri::yes ? Tri::no : Tri::yes;
    }
    return any;
}

std::string why_maybe(const Rule& r, const Probe& pr) {
    for (const auto& m : r.matches) {
        if (match(m, pr) == Tri::maybe) {
            if (!m.unknown.empty()) {
                return fmt::format("'{}' is not understood", m.unknown);
            }
            return fmt::format("it depends on {}, which is not known", to_string(m.fields.front()));
        }
    }
    return "it could match or not";
}

struct Walker {
    const Ruleset& rules;
    const Probe& probe;
    bool rate_dependent = false;

    std::string where(const Chain& c) const { return fmt::format("{} {} {}", c.family, c.table, c.name); }

    Decision decided(Outcome o, const Rule& r, const Chain& c, const Reject& rej = {}) const {
        Decision d;
        d.outcome = o;
        d.reject = rej;
        d.rule = r;
        d.chain = where(c);
        return d;
    }

    // nullopt: the chain ran to its end or returned.
    std::optional<Decision> chain(const Chain& c, int depth) {
        for (const auto& r : c.rules) {
            Tri t = Tri::yes;
            for (const auto& m : r.matches) {
                const Tri x = match(m, probe);
                t = x == Tri::no ? Tri::no : (t == Tri::maybe || x == Tri::maybe ? Tri::maybe : Tri::yes);
                if (t == Tri::no) {
                    break;
                }
            }
            const bool decides = r.verdict.action != Action::none || r.vmap || !r.unknown.empty();
            if (t == Tri::no || !decides) {
                continue;
            }
            if (t == Tri::maybe || !r.unknown.empty()) {
                Decision d = decided(Outcome::unknown, r, c);
                d.why_unknown = !r.unknown.empty() && t == Tri::yes ? fmt::format("'{}' is not understood", r.unknown)
                                                                     : why_maybe(r, probe);
                return d;
            }
            rate_dependent = rate_dependent || r.rate_dependent;
            Statement s = r.verdict;
            if (r.vmap) {
                Match key;
                key.fields = r.vmap->fields;
                s = Statement{};
                for (const auto& [e, st] : r.vmap->entries) {
                    key.elements = {e};
                    if (match(key, probe) == Tri::yes) {
                        s = st;
                        break;
                    }
                }
            }
            Step step = statement(s, r, c, depth);
            if (step.decision) {
                return step.decision;
            }
            if (step.end) {
                return std::nullopt;
            }
        }
        return std::nullopt;
    }

    struct Step {
        std::optional<Decision> decision;
        bool end = false;  // the chain ends here (return, or a goto that came back)
    };

    Step statement(const Statement& s, const Rule& r, const Chain& c, int depth) {
        switch (s.action) {
            case Action::accept: return {decided(Outcome::accept, r, c)};
            case Action::drop: return {decided(Outcome::drop, r, c)};
            case Action::reject: return {decided(Outcome::reject, r, c, s.reject)};
            case Action::queue: {
                Decision d = decided(Outcome::unknown, r, c);
                d.why_unknown = "queue: a userspace program decides";
                return {d};
            }
            case Action::ret: return {std::nullopt, true};
            case Action::jump:
            case Action::go_to: {
                const Chain* next = rules.find(c.family, c.table, s.target);
                if (next == nullptr || depth >= max_depth) {
                    Decision d = decided(Outcome::unknown, r, c);
                    d.why_unknown = fmt::format("jump to '{}' cannot be followed", s.target);
                    return {d};
                }
                return {chain(*next, depth + 1), s.action == Action::go_to};
            }
            case Action::none:
            case Action::unknown: return {};
        }
        return {};
    }
};

bool family_applies(const Chain& c, const Packet& p) {
    return c.family == "inet" || (c.family == "ip" && p.dst.is_v4()) || (c.family == "ip6" && !p.dst.is_v4());
}

// The reply (the host's answer, or the reject's) leaves through the output hook, which the
// model does not walk: an output chain that could stop it makes the decision unknown.
Decision reply_path(const Ruleset& rules, const Packet& packet, Decision d) {
    for (const auto& c : rules.chains) {
        const bool out = c.hook && (*c.hook == "output" || *c.hook == "postrouting") && c.type != "nat";
        if (out && family_applies(c, packet) &&
            (c.policy == Action::drop || !c.rules.empty())) {
            d.why_unknown = fmt::format("the reply passes chain {} {} {} ({}), which the model does not walk",
                                        c.family, c.table, c.name, c.rules.empty() ? "policy drop" : "it has rules");
            d.outcome = Outcome::unknown;
            return d;
        }
    }
    return d;
}

}  // namespace

Decision decide(const Ruleset& rules, const Packet& packet, Technique technique) {
    const Probe probe{packet, flags_of(technique), ct_state_of(technique, packet.proto)};
    const std::array<std::string_view, 2> hooks{"prerouting", packet.forward ? "forward" : "input"};
    Walker w{rules, probe};
    Decision last;
    last.chain = "(no base chain on the path)";
    last.by_policy = true;
    for (const auto hook : hooks) {
        std::vector<const Chain*> base;
        for (const auto& c : rules.chains) {
            if (c.hook && *c.hook == hook && family_applies(c, packet)) {
                base.push_back(&c);
            }
        }
        std::stable_sort(base.begin(), base.end(), [](const Chain* a, const Chain* b) { return a->priority < b->priority; });
        for (const Chain* c : base) {
            auto d = w.chain(*c, 0);
            if (!d) {  // ran to its end (or returned): the policy decides
                Decision p;
                p.outcome = c->policy == Action::drop ? Outcome::drop : Outcome::accept;
                p.chain = w.where(*c);
                p.by_policy = true;
                d = p;
            }
            d->rate_dependent = w.rate_dependent;
            if (d->outcome != Outcome::accept) {
                return d->outcome == Outcome::reject ? reply_path(rules, packet, *d) : *d;
            }
            last = *d;
        }
    }
    last.rate_dependent = w.rate_dependent;
    return reply_path(rules, packet, last);
}

}  // namespace portwarden::firewall

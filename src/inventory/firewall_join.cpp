// The inventory joined with the firewall model (portwarden/inventory.hpp join_firewall):
// each listener's exposure is firewall::decide's verdict for a probe from another host.
#include <algorithm>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "portwarden/firewall.hpp"
#include "portwarden/inventory.hpp"

namespace portwarden {
namespace {

namespace fw = portwarden::firewall;

Address unspecified(Family f) {
    return f == Family::v4 ? Address::from_v4(0) : Address::from_v6({});
}

fw::Decision decide_probe(const fw::Ruleset& rules, Proto proto, const Address& dst, std::uint16_t port) {
    const fw::Packet packet{std::nullopt, dst, proto, port, std::nullopt, "", "", false};
    return fw::decide(rules, packet, proto == Proto::udp ? Technique::udp : Technique::syn);
}

bool loopback(const Address& a) {
    return a.is_v4() ? (a.v4() >> 24) == 127 : a == Address::parse("::1").value();
}

// The addresses a probe to this listener may carry: its own; for a wildcard, each address of
// the host of its family that is not loopback (0.0.0.0 or :: when none is known); a dual-stack
// IPv6 wildcard (IPV6_V6ONLY off) takes the IPv4 ones as well.
std::vector<Address> destinations(const Listener& l, const std::vector<Address>& host) {
    if (l.bind != BindKind::wildcard) {
        return {l.address};
    }
    const auto of = [&](Family family) {
        std::vector<Address> out;
        for (const Address& a : host) {
            if (a.family() == family && !loopback(a)) {
                out.push_back(a);
            }
        }
        return out.empty() ? std::vector<Address>{unspecified(family)} : out;
    };
    std::vector<Address> out = of(l.address.family());
    if (!l.address.is_v4() && l.v6only == false) {
        const auto v4 = of(Family::v4);
        out.insert(out.end(), v4.begin(), v4.end());
    }
    return out;
}

std::string address_list(const std::vector<Address>& addresses) {
    std::string out;
    for (const Address& a : addresses) {
        out += (out.empty() ? "" : ", ") + a.to_string();
    }
    return out;
}

void set_exposure(Listener& l, const fw::Ruleset& rules, const std::vector<Address>& host) {
    std::optional<fw::Decision> accepted;
    std::optional<fw::Decision> blocked;
    std::optional<fw::Decision> unknown;
    const std::vector<Address> targets = destinations(l, host);
    l.exposed_on.clear();
    std::vector<Address> closed;
    for (const Address& dst : targets) {
        const fw::Decision d = decide_probe(rules, l.proto, dst, l.port);
        if (d.outcome == fw::Outcome::accept) {
            l.exposed_on.push_back(dst);
            accepted = accepted ? accepted : d;
            continue;
        }
        closed.push_back(dst);
        auto& slot = d.outcome == fw::Outcome::unknown ? unknown : blocked;
        slot = slot ? slot : d;
    }
    if (accepted) {
        l.exposure = Exposure::exposed;
        l.exposure_rule = fw::describe(*accepted);
        if (!closed.empty()) {  // a wildcard the ruleset opens on some of the host's addresses only
            l.exposure_rule += fmt::format(" (on {}; not on {})", address_list(l.exposed_on), address_list(closed));
        }
    } else if (unknown) {
        l.exposure = Exposure::unknown;
        l.exposure_rule = unknown->why_unknown.empty() ? fw::describe(*unknown) : unknown->why_unknown;
    } else if (blocked) {
        l.exposure = Exposure::firewalled;
        l.exposure_rule = fw::describe(*blocked);
    }
}

// Every destination port a rule of the ruleset names (ranges of up to 256 ports).
std::set<std::uint16_t> named_ports(const fw::Ruleset& rules) {
    constexpr std::uint64_t widest = 256;
    std::set<std::uint16_t> out;
    const auto add = [&](const fw::Atom& a) {
        if (a.kind == fw::Atom::Kind::number && a.lo <= a.hi && a.hi <= 65535 && a.hi - a.lo < widest) {
            for (std::uint64_t p = a.lo; p <= a.hi; ++p) {
                out.insert(static_cast<std::uint16_t>(p));
            }
        }
    };
    const auto add_fields = [&](const std::vector<fw::Field>& fields, const fw::Element& e) {
        for (std::size_t i = 0; i < fields.size() && i < e.size(); ++i) {
            if (fields[i] == fw::Field::dport) {
                add(e[i]);
            }
        }
    };
    for (const fw::Chain& c : rules.chains) {
        for (const fw::Rule& r : c.rules) {
            for (const fw::Match& m : r.matches) {
                if (m.op == fw::Op::eq) {
                    for (const fw::Element& e : m.elements) {
                        add_fields(m.fields, e);
                    }
                }
            }
            if (r.vmap) {
                for (const auto& entry : r.vmap->entries) {
                    add_fields(r.vmap->fields, entry.first);
                }
            }
        }
    }
    return out;
}

bool listened(const std::vector<Listener>& listeners, Proto proto, Family family, std::uint16_t port) {
    return std::any_of(listeners.begin(), listeners.end(), [&](const Listener& l) {
        const bool family_ok = l.address.family() == family ||
                               (family == Family::v4 && l.bind == BindKind::wildcard && l.v6only == false);
        return l.proto == proto && l.port == port && l.bind != BindKind::loopback && family_ok;
    });
}

}  // namespace

void join_firewall(std::vector<Listener>& listeners, const fw::Ruleset& rules, const std::vector<Address>& host) {
    for (Listener& l : listeners) {
        if (l.bind == BindKind::loopback) {
            l.exposure = Exposure::local_only;
            l.exposure_rule.clear();
            continue;
        }
        set_exposure(l, rules, host);
    }
}

std::vector<IdlePort> accepted_without_listener(const std::vector<Listener>& listeners, const fw::Ruleset& rules) {
    std::vector<IdlePort> out;
    for (const std::uint16_t port : named_ports(rules)) {
        for (const Proto proto : {Proto::tcp, Proto::udp}) {
            for (const Family family : {Family::v4, Family::v6}) {
                if (listened(listeners, proto, family, port)) {
                    continue;
                }
                const fw::Decision d = decide_probe(rules, proto, unspecified(family), port);
                if (d.outcome == fw::Outcome::accept && d.rule && !d.by_policy) {
                    out.push_back(IdlePort{proto, family, port, fw::describe(d)});
                }
            }
        }
    }
    std::sort(out.begin(), out.end(), [](const IdlePort& a, const IdlePort& b) {
        return std::tie(a.proto, a.port, a.family) < std::tie(b.proto, b.port, b.family);
    });
    return out;
}

}  // namespace portwarden

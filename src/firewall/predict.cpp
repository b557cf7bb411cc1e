// What nmap reports for one probe, from the ruleset's decision: the reply the host (or its
// firewall) sends back, classified the way a scan classifies it (classify.hpp), so prediction
// and scan share one definition of states and reasons.
#include <array>
#include <utility>

#include "portwarden/firewall.hpp"

namespace portwarden::firewall {
namespace {

struct IcmpCodes {
    std::string_view name;
    int v4;  // ICMP destination unreachable code, -1: none
    int v6;  // ICMPv6 destination unreachable code, -1: none
};

// nft's reject types (nft(8) REJECT STATEMENT) and the codes the kernel sends for them.
constexpr std::array<IcmpCodes, 13> icmp_codes{{
    {"net-unreachable", 0, -1}, {"host-unreachable", 1, -1}, {"prot-unreachable", 2, -1},
    {"port-unreachable", 3, -1}, {"net-prohibited", 9, -1}, {"host-prohibited", 10, -1},
    {"admin-prohibited", 13, -1}, {"no-route", -1, 0}, {"addr-unreachable", -1, 3},
    {"policy-fail", -1, 5}, {"reject-route", -1, 6}, {"frag-needed", 4, -1}, {"host-precedence", 14, -1},
}};
// icmpx: one name for both families.
constexpr std::array<IcmpCodes, 4> icmpx_codes{{
    {"port-unreachable", 3, 4}, {"admin-prohibited", 13, 1}, {"host-unreachable", 1, 3}, {"no-route", 0, 0},
}};
// ICMPv6 names of the codes shared with ICMP.
constexpr std::array<IcmpCodes, 2> icmpv6_shared{{{"port-unreachable", -1, 4}, {"admin-prohibited", -1, 1}}};

std::optional<Response> reject_response(const Reject& r, const Packet& p) {
    Response resp;
    if (r.kind == Reject::Kind::tcp_reset) {
        resp.kind = ResponseKind::rst;
        return resp;
    }
    resp.kind = ResponseKind::icmp;
    const bool v4 = p.dst.is_v4();
    resp.icmp_version = v4 ? IcmpVersion::v4 : IcmpVersion::v6;
    resp.icmp_type = v4 ? 3 : 1;
    const auto find = [&](const auto& table, bool want_v4) -> std::optional<Response> {
        for (const auto& c : table) {
            const int code = want_v4 ? c.v4 : c.v6;
            if (c.name == r.type && code >= 0) {
                resp.icmp_code = static_cast<std::uint8_t>(code);
                return resp;
            }
        }
        return std::nullopt;
    };
    if (r.kind == Reject::Kind::icmpx) {
        return find(icmpx_codes, v4);
    }
    if (r.kind == Reject::Kind::icmpv6) {
        if (auto x = find(icmpv6_shared, false)) {
            return x;
        }
    }
    return find(icmp_codes, v4);
}

Response icmp_port_unreachable(const Packet& p) {
    return *reject_response(Reject{}, p);
}

Expected expect(Technique t, const Response& r) {
    const Verdict v = classify(t, r);
    return Expected{v.state, v.reason};
}

// What the host itself answers when the ruleset lets the probe in.
Prediction accepted(Prediction out, const Packet& p, Technique t, const Listeners& listeners) {
    Response rst;
    rst.kind = ResponseKind::rst;
    if (p.proto == Proto::tcp && (t == Technique::ack || t == Technique::window || t == Technique::maimon)) {
        out.expected = {expect(t, rst)};  // Linux answers these with a RST, listening or not
        return out;
    }
    Response when_listening;
    Response when_not = rst;
    if (p.proto == Proto::udp) {
        when_listening.kind = ResponseKind::udp_reply;
        when_not = icmp_port_unreachable(p);
    } else if (t == Technique::syn || t == Technique::connect) {
        when_listening.kind = ResponseKind::syn_ack;
    }  // FIN/NULL/Xmas to a listening port: no reply
    const Expected listening = expect(t, when_listening);
    const Expected not_listening = expect(t, when_not);
    if (!listeners.known) {
        out.expected = {listening, not_listening};
        out.depends = "whether something listens (no listener list given)";
        return out;
    }
    if (!listeners.listening(p.proto, p.dst, p.dport)) {
        out.expected = {not_listening};
        return out;
    }
    out.expected = {listening};
    if (p.proto == Proto::udp) {
        out.expected.push_back(expect(t, Response{}));
        out.depends = "whether the service answers the probe's payload";
    }
    return out;
}

}  // namespace

Prediction predict(const Ruleset& rules, const Packet& packet, Technique technique, const Listeners& listeners) {
    Prediction out;
    out.decision = decide(rules, packet, technique);
    switch (out.decision.outcome) {
        case Outcome::unknown: return out;
        case Outcome::drop: out.expected = {expect(technique, Response{})}; return out;
        case Outcome::reject: {
            const auto r = reject_response(out.decision.reject, packet);
            if (!r) {
                out.decision.outcome = Outcome::unknown;
                out.decision.why_unknown = "reject type '" + out.decision.reject.type + "' is not known";
                return out;
            }
            out.expected = {expect(technique, *r)};
            return out;
        }
        case Outcome::accept: return accepted(std::move(out), packet, technique, listeners);
    }
    return out;
}

}  // namespace portwarden::firewall

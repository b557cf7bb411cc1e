// The responder analysis (see portwarden/responder.hpp): the baseline group, the replies that
// break it, port-spoofers and tarpits, and the devices that sent ICMP errors for the host.
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "portwarden/responder.hpp"
#include "portwarden/results.hpp"
#include "responder/baseline.hpp"

namespace portwarden {

namespace {

using responder::kMinOutlierGroup;

// A TTL group of TCP replies from the target address.
struct TtlGroup {
    std::uint32_t replies = 0;
    std::uint32_t syn_acks = 0;
};

bool from_target_tcp(const ReplyFacts& r) {
    return !r.responder && (r.kind == ReplyKind::syn_ack || r.kind == ReplyKind::rst);
}

// The farthest qualifying group: most hops; at equal hops the one with SYN-ACKs, then the larger.
std::optional<std::uint8_t> baseline_ttl(std::span<const ReplyFacts> replies) {
    std::map<std::uint8_t, TtlGroup> groups;
    for (const ReplyFacts& r : replies) {
        if (from_target_tcp(r)) {
            TtlGroup& g = groups[r.ttl];
            ++g.replies;
            g.syn_acks += r.kind == ReplyKind::syn_ack ? 1U : 0U;
        }
    }
    std::optional<std::uint8_t> best;
    auto better = [&](std::uint8_t ttl, const TtlGroup& g) {
        if (!best) {
            return true;
        }
        const TtlGroup& b = groups[*best];
        const auto hops = hops_from_ttl(ttl);
        const auto best_hops = hops_from_ttl(*best);
        if (hops != best_hops) {
            return hops > best_hops;
        }
        if ((g.syn_acks > 0) != (b.syn_acks > 0)) {
            return g.syn_acks > 0;
        }
        return g.replies > b.replies;
    };
    for (const auto& [ttl, g] : groups) {
        if ((g.syn_acks > 0 || g.replies >= 2) && better(ttl, g)) {
            best = ttl;
        }
    }
    return best;
}

std::string_view kind_plural(ReplyKind k) { return k == ReplyKind::syn_ack ? "SYN-ACKs" : "RSTs"; }
std::string_view kind_name(ReplyKind k) { return k == ReplyKind::syn_ack ? "SYN-ACK" : "RST"; }

Confidence raise(Confidence c) { return c == Confidence::low ? Confidence::medium : Confidence::high; }

// A reply whose TTL differs from the baseline's.
ForgedReply off_ttl(const ReplyFacts& r, const ResponderBaseline& base,
                    const std::vector<std::string>& extra) {
    ForgedReply f{r.proto, r.port, r.kind, r.ttl, Confidence::low, {}};
    const auto hops = hops_from_ttl(r.ttl);
    const auto initial = responder::initial_ttl(r.ttl);
    std::string why;
    if (hops < base.hops) {
        why = "nearer than the host: sent by a device on the path";
        f.confidence = base.from_syn_ack ? Confidence::high : Confidence::medium;
    } else if (initial != responder::initial_ttl(base.ttl)) {
        why = fmt::format("another initial TTL ({} vs the host's {})", initial, responder::initial_ttl(base.ttl));
        f.confidence = base.from_syn_ack ? Confidence::medium : Confidence::low;
    } else {
        why = "farther than the host's own replies (a path change?)";
    }
    f.evidence = fmt::format("{} with TTL {} ({} hop{}) where the host's {} arrive with TTL {} ({} hop{}): {}",
                             kind_name(r.kind), r.ttl, hops, hops == 1 ? "" : "s",
                             base.from_syn_ack ? "SYN-ACKs" : "RSTs", base.ttl, base.hops,
                             base.hops == 1 ? "" : "s", why);
    for (const std::string& e : extra) {
        f.evidence += "; " + e;
    }
    if (!extra.empty() && hops < base.hops) {
        f.confidence = raise(f.confidence);
    }
    return f;
}

// IP ID and window of a reply against the baseline group's replies of its kind.
std::vector<std::string> mismatches(const ReplyFacts& r, const ResponderBaseline& base) {
    std::vector<std::string> out;
    const IpIdBehaviour ids = r.kind == ReplyKind::syn_ack ? base.syn_ack_ip_id : base.rst_ip_id;
    if (r.ip_id && ids == IpIdBehaviour::zero && *r.ip_id != 0) {
        out.push_back(fmt::format("IP ID {} where the host's {} carry 0", *r.ip_id, kind_plural(r.kind)));
    } else if (r.ip_id && ids == IpIdBehaviour::varied && *r.ip_id == 0) {
        out.push_back(fmt::format("IP ID 0 where the host's {} carry varied IDs", kind_plural(r.kind)));
    }
    if (r.kind == ReplyKind::rst && base.rst_window && r.window != *base.rst_window) {
        out.push_back(fmt::format("window {} where the host's RSTs carry {}", r.window, *base.rst_window));
    }
    return out;
}

void find_forged(std::span<const ReplyFacts> replies, const ResponderBaseline& base,
                 std::uint32_t rst_count, ResponderReport& report) {
    for (const ReplyFacts& r : replies) {
        if (!from_target_tcp(r)) {
            continue;
        }
        auto extra = mismatches(r, base);
        if (r.ttl != base.ttl) {
            report.forged.push_back(off_ttl(r, base, extra));
        } else if (!extra.empty() && r.kind == ReplyKind::rst && rst_count >= kMinOutlierGroup) {
            // Same distance, but unlike nearly every other RST of the host: a weak sign.
            ForgedReply f{r.proto, r.port, r.kind, r.ttl, Confidence::low, {}};
            f.evidence = fmt::format("RST with the host's TTL {}, but ", r.ttl);
            for (std::size_t i = 0; i < extra.size(); ++i) {
                f.evidence += (i == 0 ? "" : "; ") + extra[i];
            }
            report.forged.push_back(std::move(f));
        }
    }
}

std::optional<PortSpoofer> find_spoofer(std::span<const ReplyFacts> replies, std::uint32_t probed) {
    std::vector<const ReplyFacts*> syn_acks;
    for (const ReplyFacts& r : replies) {
        if (r.proto == Proto::tcp && r.kind == ReplyKind::syn_ack && !r.responder) {
            syn_acks.push_back(&r);
        }
    }
    const auto open = static_cast<std::uint32_t>(syn_acks.size());
    if (probed < responder::kMinSpooferPorts || open * 10 < probed * 9) {
        return std::nullopt;
    }
    const ReplyFacts& first = *syn_acks.front();
    const bool identical = std::all_of(syn_acks.begin(), syn_acks.end(), [&](const ReplyFacts* r) {
        return r->window == first.window && r->options == first.options && r->ttl == first.ttl;
    });
    PortSpoofer s;
    s.open = open;
    s.probed = probed;
    s.tarpit = identical && first.window <= responder::kTarpitWindow;
    s.evidence = fmt::format("SYN-ACK on {} of {} ports probed", open, probed);
    if (identical) {
        s.evidence += fmt::format(", identical on all (TTL {}, window {}, same options)", first.ttl, first.window);
    }
    if (s.tarpit) {
        s.evidence += ": a zero or tiny window holds connections open (a tarpit)";
    } else if (open >= responder::kManyServices) {
        s.evidence += ": no host runs that many services (a port-spoofer)";
    } else {
        s.evidence += ": nearly every port answers (a port-spoofer?)";
    }
    const bool many = open >= responder::kManyServices;
    s.confidence = identical && many ? Confidence::high : (identical || many ? Confidence::medium : Confidence::low);
    return s;
}

std::vector<FilteringDevice> find_filters(std::span<const ReplyFacts> replies) {
    std::vector<FilteringDevice> out;
    for (const ReplyFacts& r : replies) {
        if (r.kind != ReplyKind::icmp || !r.responder) {
            continue;
        }
        auto it = std::find_if(out.begin(), out.end(), [&](const FilteringDevice& d) { return d.address == *r.responder; });
        if (it == out.end()) {
            out.push_back(FilteringDevice{*r.responder, 0, {}});
            it = std::prev(out.end());
        }
        ++it->ports;
        if (std::find(it->reasons.begin(), it->reasons.end(), r.reason) == it->reasons.end()) {
            it->reasons.push_back(r.reason);
        }
    }
    return out;
}

}  // namespace

ResponderReport analyze_responders(std::span<const ReplyFacts> replies, std::uint32_t probed_tcp) {
    ResponderReport report;
    report.filters = find_filters(replies);
    report.spoofer = find_spoofer(replies, probed_tcp);
    const auto ttl = baseline_ttl(replies);
    if (!ttl) {
        return report;
    }
    report.baseline = responder::describe_group(replies, *ttl);
    const auto rsts = static_cast<std::uint32_t>(std::count_if(replies.begin(), replies.end(), [&](const ReplyFacts& r) {
        return from_target_tcp(r) && r.kind == ReplyKind::rst && r.ttl == *ttl;
    }));
    find_forged(replies, *report.baseline, rsts, report);
    std::sort(report.forged.begin(), report.forged.end(), [](const ForgedReply& a, const ForgedReply& b) {
        return std::pair(a.proto, a.port) < std::pair(b.proto, b.port);
    });
    return report;
}

const ForgedReply* ResponderReport::forged_at(Proto proto, std::uint16_t port) const {
    const auto it = std::lower_bound(forged.begin(), forged.end(), std::pair(proto, port),
                                     [](const ForgedReply& f, const std::pair<Proto, std::uint16_t>& k) {
                                         return std::pair(f.proto, f.port) < k;
                                     });
    return it != forged.end() && it->proto == proto && it->port == port ? &*it : nullptr;
}

}  // namespace portwarden

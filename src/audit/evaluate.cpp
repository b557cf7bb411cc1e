// Scan results against a policy: violations, and every reason the results cannot decide.
#include <algorithm>
#include <array>
#include <chrono>
#include <set>

#include <fmt/format.h>

#include "audit/policy_hosts.hpp"
#include "portwarden/audit.hpp"

namespace portwarden::audit {
namespace {

struct RuleInfo {
    std::string_view id;
    std::string_view name;
    std::string_view help;
};

constexpr std::array<RuleInfo, finding_kind_count> rules{{
    {"PW001", "unexpected-open", "A port the policy does not allow for the host's group is open."},
    {"PW002", "must-be-open", "A port the policy marks must_be_open is closed or filtered."},
    {"PW003", "stealth", "An unlisted port answered with a RST (closed) where the group requires filtered."},
    {"PW004", "expired-exception", "An allowed port is open after its exception's expiry date."},
    {"PW101", "host-missing", "A host the policy names is not in the scan results."},
    {"PW102", "host-down", "A host the policy names is down: none of its ports could be checked."},
    {"PW103", "host-incomplete", "The scan of a host stopped before every port was settled."},
    {"PW104", "port-ambiguous", "A port's state (open|filtered, unfiltered, ...) cannot decide a rule."},
    {"PW105", "port-not-scanned", "A rule needs a port the scan did not cover."},
    {"PW005", "firewall-mismatch", "The scan differs from what the host's firewall ruleset (--ruleset) predicts."},
    {"PW106", "firewall-unknown", "The firewall ruleset's verdict for a port is unknown (a rule the model cannot decide)."},
    {"PW107", "forged-reply", "A middlebox forged the port's reply (or the host answers every port): it proves nothing about the host."},
}};

const PortResult* find_port(const HostResult& host, Proto proto, std::uint16_t port) {
    const auto it = std::lower_bound(host.ports.begin(), host.ports.end(), std::pair{proto, port},
                                     [](const PortResult& p, const std::pair<Proto, std::uint16_t>& key) {
                                         return std::pair{p.proto, p.port} < key;
                                     });
    return it != host.ports.end() && it->proto == proto && it->port == port ? &*it : nullptr;
}

std::string state_text(const PortResult& p) {
    return fmt::format("{} ({})", to_string(p.state), to_string(p.reason));
}

class Evaluator {
public:
    Evaluator(Evaluation& out, const Date& today) : out_(out), today_(today) {}

    void host(const Group& g, const HostSpec& spec, const HostResult& h) {
        ++out_.hosts_checked;
        host_ = h.address.to_string();
        group_ = &g;
        if (h.state != HostState::up) {
            check("host", spec.pos);
            add(FindingKind::host_down, {}, fmt::format("{} is {}: none of its ports was checked", host_,
                                                        to_string(h.state)));
            return;
        }
        if (!h.complete) {
            check("host", spec.pos);
            add(FindingKind::host_incomplete, {},
                fmt::format("the scan of {} stopped before every port was settled", host_));
        }
        for (const AllowedPort& a : g.allow) {
            allowed(a, h);
        }
        check("unlisted ports", g.unlisted_pos);
        spoofer(h);
        for (const PortResult& p : h.ports) {
            const bool listed = std::any_of(g.allow.begin(), g.allow.end(), [&](const AllowedPort& a) {
                return a.proto == p.proto && a.port == p.port;
            });
            if (!listed && !forged(h, p)) {
                unlisted(g, p);
            }
        }
    }

    void missing(const Group& g, const HostSpec& spec) {
        host_ = spec.text;
        group_ = &g;
        check("host", spec.pos);
        add(FindingKind::host_missing, {},
            spec.is_block ? fmt::format("no host of {} (group '{}') is up in the scan results", spec.text, g.name)
                          : fmt::format("{} (group '{}') is not in the scan results", spec.text, g.name));
    }

private:
    struct PortRef {
        std::optional<Proto> proto;
        std::uint16_t port = 0;
        std::optional<PortState> state;
    };

    void check(std::string rule, SourcePos pos) {
        rule_ = std::move(rule);
        pos_ = pos;
        out_.checks.push_back(Check{group_->name, host_, rule_, pos});
    }

    void add(FindingKind kind, PortRef ref, std::string message) {
        out_.findings.push_back(
            Finding{kind, group_->name, host_, ref.proto, ref.port, ref.state, std::move(message), pos_, rule_});
    }

    void allowed(const AllowedPort& a, const HostResult& h) {
        check(fmt::format("allow {}/{}", a.port, to_string(a.proto)), a.pos);
        const bool expired = a.expires && *a.expires < today_;
        const PortResult* p = find_port(h, a.proto, a.port);
        if (p != nullptr && forged(h, *p)) {
            return;
        }
        if (p == nullptr) {
            if (a.must_be_open || expired) {
                add(FindingKind::port_not_scanned, {a.proto, a.port, std::nullopt},
                    fmt::format("{}: {}/{} was not scanned; the rule needs it ({})", host_, a.port, to_string(a.proto),
                                a.must_be_open ? "must_be_open" : "expired exception"));
            }
            return;
        }
        ++out_.ports_checked;
        const PortRef ref{p->proto, p->port, p->state};
        switch (p->state) {
        case PortState::open:
            if (expired) {
                add(FindingKind::expired, ref,
                    fmt::format("{}: {}/{} is open but its exception (owner {}) expired on {}", host_, a.port,
                                to_string(a.proto), a.owner, to_string(*a.expires)));
            }
            break;
        case PortState::closed:
        case PortState::filtered:
        case PortState::closed_filtered:
            if (a.must_be_open) {
                add(FindingKind::must_be_open, ref,
                    fmt::format("{}: {}/{} must be open (owner {}) but is {}", host_, a.port, to_string(a.proto),
                                a.owner, state_text(*p)));
            }
            break;
        case PortState::open_filtered:
        case PortState::unfiltered:
            if (a.must_be_open || expired) {
                add(FindingKind::port_ambiguous, ref,
                    fmt::format("{}: {}/{} is {}: cannot tell whether it is open", host_, a.port, to_string(a.proto),
                                state_text(*p)));
            }
            break;
        }
    }

    // Who really answered: a port decided by a forged reply is not the host's (PW107 instead of
    // the rule's check); weak (low-confidence) signs do not count.
    bool forged(const HostResult& h, const PortResult& p) {
        const ForgedReply* f = h.responder ? h.responder->forged_at(p.proto, p.port) : nullptr;
        if (f == nullptr || f->confidence == Confidence::low) {
            return false;
        }
        ++out_.ports_checked;
        add(FindingKind::forged_reply, {p.proto, p.port, p.state},
            fmt::format("{}: {}/{} reads {}, but a middlebox forged that reply ({} confidence: {}): it proves "
                        "nothing about the host, whose own state of the port is unknown",
                        host_, p.port, to_string(p.proto), state_text(p), to_string(f->confidence), f->evidence));
        return true;
    }

    void spoofer(const HostResult& h) {
        if (h.responder && h.responder->spoofer && h.responder->spoofer->confidence != Confidence::low) {
            const PortSpoofer& s = *h.responder->spoofer;
            add(FindingKind::forged_reply, {},
                fmt::format("{} is a {} ({} confidence: {}): its open ports prove nothing about real services",
                            host_, s.tarpit ? "tarpit" : "port-spoofer", to_string(s.confidence), s.evidence));
        }
    }

    void unlisted(const Group& g, const PortResult& p) {
        ++out_.ports_checked;
        const PortRef ref{p.proto, p.port, p.state};
        const bool stealth = g.unlisted == Unlisted::filtered;
        std::optional<FindingKind> kind;
        std::string why;
        switch (p.state) {
        case PortState::open:
            kind = FindingKind::unexpected_open;
            why = fmt::format(" but group '{}' does not allow it", g.name);
            break;
        case PortState::closed:
            kind = stealth ? std::optional{FindingKind::stealth} : std::nullopt;
            why = fmt::format(" but group '{}' requires unlisted ports to be filtered", g.name);
            break;
        case PortState::closed_filtered:
            kind = stealth ? std::optional{FindingKind::port_ambiguous} : std::nullopt;
            why = fmt::format(": cannot tell whether it is closed (stealth group '{}')", g.name);
            break;
        case PortState::open_filtered:
        case PortState::unfiltered:
            kind = FindingKind::port_ambiguous;
            why = ": cannot tell whether it is open";
            break;
        case PortState::filtered:
            break;
        }
        if (kind) {
            add(*kind, ref, fmt::format("{}: {}/{} is {}{}", host_, p.port, to_string(p.proto), state_text(p), why));
        }
    }

    Evaluation& out_;
    Date today_;
    const Group* group_ = nullptr;
    std::string host_;
    std::string rule_;
    SourcePos pos_;
};

}  // namespace

bool is_violation(FindingKind k) {
    return static_cast<int>(k) < static_cast<int>(FindingKind::host_missing) || k == FindingKind::firewall_mismatch;
}
std::string_view rule_id(FindingKind k) { return rules.at(static_cast<std::size_t>(k)).id; }
std::string_view rule_name(FindingKind k) { return rules.at(static_cast<std::size_t>(k)).name; }
std::string_view rule_help(FindingKind k) { return rules.at(static_cast<std::size_t>(k)).help; }

std::string_view to_string(Verdict v) {
    switch (v) {
    case Verdict::compliant:
        return "compliant";
    case Verdict::violations:
        return "violations";
    case Verdict::inconclusive:
        return "inconclusive";
    }
    return "inconclusive";
}

Evaluation evaluate(const Policy& policy, const std::vector<HostResult>& hosts, const Date& today) {
    Evaluation out;
    Evaluator ev(out, today);
    std::set<std::size_t> done;  // hosts already checked (groups with equal rules may overlap)
    for (const Group& g : policy.groups) {
        for (const HostSpec& spec : g.hosts) {
            bool found = false;
            for (std::size_t i = 0; i < hosts.size(); ++i) {
                const HostResult& h = hosts[i];
                if (!detail::covers(spec, h) || (spec.is_block && h.state != HostState::up)) {
                    continue;  // a block's down addresses are simply unused
                }
                found = true;
                if (done.insert(i).second) {
                    ev.host(g, spec, h);
                }
            }
            if (!found) {
                ev.missing(g, spec);
            }
        }
    }
    settle_verdict(out);
    return out;
}

void settle_verdict(Evaluation& e) {
    const bool violation = std::any_of(e.findings.begin(), e.findings.end(),
                                       [](const Finding& f) { return is_violation(f.kind); });
    e.verdict = violation ? Verdict::violations : e.findings.empty() ? Verdict::compliant : Verdict::inconclusive;
}

Date today_utc() {
    const auto days = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
    const std::chrono::year_month_day ymd{days};
    return Date{static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month())),
                static_cast<int>(static_cast<unsigned>(ymd.day()))};
}

}  // namespace portwarden::audit

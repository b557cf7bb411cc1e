// The detector core: per-source threshold random walk over first contacts (see watch.hpp).
#include <algorithm>
#include <cmath>

#include "net/packet_view.hpp"
#include "portwarden/watch.hpp"
#include "watch/fingerprint.hpp"
#include "watch/source_table.hpp"
#include "watch/contacts.hpp"
#include "watch/walk.hpp"

namespace portwarden::watch {

struct Detector::Impl {
    Impl(const Config& c, std::function<void(const Alert&)> cb)
        : config(c), on_alert(std::move(cb)), table(c.table_slots, c.wide_sets), walk(c) {}

    Config config;
    std::function<void(const Alert&)> on_alert;
    SourceTable table;
    Walk walk;
    Stats stats;

    SourceState& source_for(const Probe& p);
    void trial(SourceState& s, bool success, double now);
    void raise(SourceState& s, double now, std::string_view decided_by);
    void relabel(SourceState& s, double now, std::string_view decided_by);
    void end_episode(const SourceState& s, double now);
    void first_contact(SourceState& s, const Probe& p, Technique technique);
    bool completes_handshake(SourceState& s, const Probe& p);
    void add_pending(SourceState& s, const Probe& p, PendingKind kind);
    void expire(SourceState& s, Pending& pending, double now);
    void count(SourceState& s, const Probe& p, bool& first);
    // Finds or makes the source's entry and counts the probe; `first`: a first contact.
    SourceState& admit(const Probe& p, bool& first);
};

SourceState& Detector::Impl::source_for(const Probe& p) {
    bool evicted = false;
    SourceState& s = table.find_or_insert(p.src, p.time, evicted);
    stats.evictions += evicted ? 1 : 0;
    if (p.time - s.last_seen > config.idle_expiry) {
        end_episode(s, s.last_seen);
        table.restart(s, p.time);
    }
    s.last_seen = std::max(s.last_seen, p.time);
    return s;
}

void Detector::Impl::count(SourceState& s, const Probe& p, bool& first) {
    if (s.probes++ == 0) {
        s.first_dst = p.dst;
        s.first_seen = p.time;
    }
    s.hosts.add(hash_address(p.dst));
    first = table.add_contact(s, contact_index(p.dst, p.protocol, contact_port(p)));
    const Technique technique = probe_technique(p);
    // ACK and FIN|ACK segments of a connection (after its SYN, a first contact) are not probes.
    const bool in_flow = (technique == Technique::ack || technique == Technique::maimon) && !first;
    if (technique != Technique::unknown && !in_flow) {
        ++s.technique_votes[static_cast<std::size_t>(technique)];
    }
    const Tool tool = probe_tool(p);
    if (tool != Tool::unknown) {
        ++s.tool_votes[static_cast<std::size_t>(tool)];
    }
    s.discovery = static_cast<std::uint8_t>(s.discovery | discovery_bit(p));
}

void Detector::Impl::raise(SourceState& s, double now, std::string_view decided_by) {
    if (s.alerted) {
        relabel(s, now, decided_by);
        return;
    }
    s.alerted = true;
    s.decided_by = decided_by;
    if (decided_by == kDecidedByDiscovery) {
        // Its probes say only "nmap's host discovery": what follows (a port scan?) names it.
        s.technique_votes = {};
        s.tool_votes = {};
    }
    ++stats.alerts;
    if (on_alert) {
        on_alert(make_alert(s, now));
    }
}

// After an nmap-discovery decision, a scan decided on the probes that followed (the port scan
// nmap or `portwarden scan` runs after its host discovery): one update alert naming it.
void Detector::Impl::relabel(SourceState& s, double now, std::string_view decided_by) {
    if (s.decided_by != kDecidedByDiscovery || s.relabelled || decided_by == kDecidedByDiscovery) {
        return;
    }
    s.relabelled = true;
    if (on_alert) {
        Alert alert = make_alert(s, now);
        alert.update = true;
        alert.decided_by = decided_by;
        on_alert(alert);
    }
}

void Detector::Impl::end_episode(const SourceState& s, double now) {
    if (!s.alerted || !on_alert) {
        return;
    }
    Alert alert = make_alert(s, now);
    alert.end = true;
    on_alert(alert);
}

void Detector::Impl::trial(SourceState& s, bool success, double now) {
    ++(success ? s.successes : s.failures);
    switch (walk.step(s.llr, success)) {
        case Verdict::scanner: raise(s, now, kDecidedByWalk); break;
        case Verdict::benign: s.llr = 0; break;  // restart: a later scan is still caught
        case Verdict::undecided: break;
    }
}

void Detector::Impl::add_pending(SourceState& s, const Probe& p, PendingKind kind) {
    Pending* slot = &s.pending[0];
    for (Pending& q : s.pending) {
        if (q.kind == PendingKind::none) {
            slot = &q;
            break;
        }
        if (q.since < slot->since) {
            slot = &q;
        }
    }
    if (slot->kind != PendingKind::none) {
        expire(s, *slot, p.time);  // full: the oldest is decided as if its time had run out
    }
    *slot = Pending{p.time, hash_address(p.dst), contact_port(p), p.protocol, kind};
}

void Detector::Impl::expire(SourceState& s, Pending& pending, double now) {
    const PendingKind kind = pending.kind;
    pending.kind = PendingKind::none;
    if (kind == PendingKind::awaiting) {
        ++s.filtered;
        trial(s, false, now);
    } else if (kind == PendingKind::syn_acked) {
        trial(s, false, now);  // half-open: SYN-ACK, no ACK
    }
}

bool Detector::Impl::completes_handshake(SourceState& s, const Probe& p) {
    const auto flags = p.tcp_flags;
    if (p.protocol != net::kProtoTcp || (flags & net::kTcpSyn) != 0 ||
        (flags & (net::kTcpAck | net::kTcpRst)) == 0) {
        return false;
    }
    Pending* q = find_pending(s, hash_address(p.dst), p.protocol, p.dst_port);
    if (q == nullptr || q->kind != PendingKind::syn_acked) {
        return false;
    }
    q->kind = PendingKind::none;
    trial(s, (flags & net::kTcpRst) == 0, p.time);
    return true;
}

void Detector::Impl::first_contact(SourceState& s, const Probe& p, Technique technique) {
    switch (technique) {
        case Technique::syn:
        case Technique::connect:
        case Technique::udp:
        case Technique::ping_sweep: add_pending(s, p, PendingKind::awaiting); break;
        case Technique::fin:
        case Technique::null:
        case Technique::xmas: trial(s, false, p.time); break;  // no connection sends these
        case Technique::maimon:
        case Technique::ack: add_pending(s, p, PendingKind::stray); break;  // a trial if RST comes
        case Technique::unknown: break;
    }
}

Detector::Detector(const Config& config, std::function<void(const Alert&)> on_alert)
    : impl_(std::make_unique<Impl>(config, std::move(on_alert))) {}
Detector::~Detector() = default;
Detector::Detector(Detector&&) noexcept = default;
Detector& Detector::operator=(Detector&&) noexcept = default;

SourceState& Detector::Impl::admit(const Probe& p, bool& first) {
    ++stats.probes;
    SourceState& s = source_for(p);
    count(s, p, first);
    if (s.discovery == kAllDiscoveryBits) {
        raise(s, p.time, kDecidedByDiscovery);
    }
    return s;
}

void Detector::probe(const Probe& p) {
    bool first = false;
    SourceState& s = impl_->admit(p, first);
    if (definite_tool(p)) {
        impl_->raise(s, p.time, kDecidedByFingerprint);
    }
    if (impl_->completes_handshake(s, p) || !first) {
        return;
    }
    impl_->first_contact(s, p, probe_technique(p));
}

void Detector::logged(const Probe& p, bool accepted) {
    bool first = false;
    SourceState& s = impl_->admit(p, first);
    if (!accepted) {
        ++s.filtered;
    }
    if (first) {
        impl_->trial(s, accepted, p.time);
    }
}

void Detector::answer(const Answer& a) {
    ++impl_->stats.answers;
    SourceState* s = impl_->table.find(a.peer);
    if (s == nullptr) {
        return;
    }
    Pending* q = find_pending(*s, hash_address(a.host), a.protocol, a.host_port);
    const bool open = a.kind == AnswerKind::syn_ack || a.kind == AnswerKind::udp_reply ||
                      a.kind == AnswerKind::echo_reply;
    ++(open ? s->open : a.kind == AnswerKind::icmp_unreach ? s->filtered : s->closed);
    if (q == nullptr) {
        return;
    }
    if (a.kind == AnswerKind::syn_ack) {
        if (q->kind == PendingKind::awaiting) {
            q->kind = PendingKind::syn_acked;
            q->since = a.time;
        }
        return;
    }
    if (q->kind == PendingKind::syn_acked) {
        return;  // the client's ACK or RST decides
    }
    q->kind = PendingKind::none;
    impl_->trial(*s, open, a.time);
}

void Detector::tick(double now) {
    impl_->table.for_each([&](SourceState& s) {
        if (now - s.last_seen > impl_->config.idle_expiry) {
            impl_->end_episode(s, s.last_seen);
            impl_->table.release(s);
            return;
        }
        for (Pending& q : s.pending) {
            if (q.kind != PendingKind::none && now - q.since > impl_->config.answer_timeout) {
                if (q.kind == PendingKind::stray) {
                    q.kind = PendingKind::none;  // no RST: part of a connection we did not see start
                } else {
                    impl_->expire(s, q, now);
                }
            }
        }
    });
}

void Detector::finish(double now) {
    impl_->table.for_each([&](SourceState& s) { impl_->end_episode(s, now); });
}

Stats Detector::stats() const {
    Stats out = impl_->stats;
    out.sources = impl_->table.used();
    return out;
}

std::size_t Detector::memory_bound(const Config& config) {
    return sizeof(Impl) + SourceTable::bytes_for(config.table_slots, config.wide_sets);
}

}  // namespace portwarden::watch

// Feeds a host's reported ports and their recorded reply facts to analyze_responders().
#include "engine/raw/raw_responder.hpp"

#include <algorithm>

namespace portwarden::engine {

namespace {

ReplyKind kind_of(Reason reason) {
    switch (reason) {
        case Reason::syn_ack: return ReplyKind::syn_ack;
        case Reason::reset: return ReplyKind::rst;
        case Reason::unknown:
        case Reason::no_response:
        case Reason::rate_limited:
        case Reason::udp_response:
        case Reason::split_handshake_syn: return ReplyKind::other;
        default: return ReplyKind::icmp;
    }
}

}  // namespace

std::optional<ResponderReport> responder_report(const RawRun& run, const std::vector<RawColumn>& columns,
                                                std::size_t h, const HostResult& host) {
    if (run.column_count() == 0 || !run.reply_facts(h, 0)) {
        return std::nullopt;
    }
    const bool v4 = host.address.family() == Family::v4;
    std::vector<ReplyFacts> replies;
    std::uint32_t probed_syn = 0;
    for (std::size_t c = 0; c < columns.size(); ++c) {
        const RawCell& cell = run.cell(h, c);
        const bool syn = columns[c].module->technique() == Technique::syn;
        probed_syn += syn && !cell.skipped ? 1U : 0U;
        const auto it = std::lower_bound(host.ports.begin(), host.ports.end(), columns[c].port,
                                         [](const PortResult& p, std::uint16_t port) { return p.port < port; });
        if (it == host.ports.end() || it->port != columns[c].port || !it->reason_ttl) {
            continue;  // not reported, or no reply
        }
        const ReplyKind kind = kind_of(it->reason);
        if (kind == ReplyKind::other) {
            continue;
        }
        const auto facts = run.reply_facts(h, c);
        ReplyFacts r{it->proto, it->port, kind, it->reason, *it->reason_ttl, {}, facts->window, facts->options,
                     it->reason_ip};
        if (v4 && kind != ReplyKind::icmp) {
            r.ip_id = facts->ip_id;
        }
        replies.push_back(r);
    }
    return analyze_responders(replies, probed_syn);
}

}  // namespace portwarden::engine

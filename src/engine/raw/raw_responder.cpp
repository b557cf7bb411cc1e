// Feeds a host's reported ports and their recorded reply facts to analyze_responders().
#include "engine/raw/raw_responder.hpp"

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
                                                std::size_t h, const std::vector<bool>* only_cells) {
    if (run.column_count() == 0 || !run.reply_facts(h, 0)) {
        return std::nullopt;
    }
    const bool v4 = run.target(h).address.family() == Family::v4;
    std::vector<ReplyFacts> replies;
    replies.reserve(columns.size());
    std::uint32_t probed_syn = 0;
    const techniques::Module* module = nullptr;  // the last column's: its protocol, and whether it is a SYN scan's
    bool syn = false;
    Proto proto = Proto::tcp;
    for (std::size_t c = 0; c < columns.size(); ++c) {
        const RawCell& cell = run.cell(h, c);
        if (columns[c].module != module) {
            module = columns[c].module;
            syn = module->technique() == Technique::syn;
            proto = module->technique() == Technique::udp ? Proto::udp : Proto::tcp;
        }
        probed_syn += syn && !cell.skipped ? 1U : 0U;
        // What host_result reports (settled, a known reason, within `only_cells`), with a reply.
        if (!cell.done || cell.skipped || cell.reason == Reason::unknown || cell.ttl == 0 ||
            (only_cells != nullptr && !(*only_cells)[h * run.column_count() + c])) {
            continue;
        }
        const ReplyKind kind = kind_of(cell.reason);
        if (kind == ReplyKind::other) {
            continue;
        }
        const auto facts = run.reply_facts(h, c);
        ReplyFacts r{proto, columns[c].port, kind, cell.reason, cell.ttl, {}, facts->window, facts->options,
                     run.reason_ip(h, c)};
        if (v4 && kind != ReplyKind::icmp) {
            r.ip_id = facts->ip_id;
        }
        replies.push_back(r);
    }
    return analyze_responders(replies, probed_syn);
}

}  // namespace portwarden::engine

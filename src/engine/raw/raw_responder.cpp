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

bool by_port(const PortResult& p, std::uint16_t port) { return p.port < port; }

// The reported port of each column (ports.end() when none): a merge walk when both the columns
// and the ports ascend by port (a scan's usually do), else a binary search per column. Either
// way a column finds the first reported port not below its own, as std::lower_bound would.
class PortFinder {
public:
    PortFinder(const std::vector<RawColumn>& columns, const std::vector<PortResult>& ports)
        : ports_(ports), next_(ports.begin()),
          walk_(std::is_sorted(columns.begin(), columns.end(),
                               [](const RawColumn& a, const RawColumn& b) { return a.port < b.port; }) &&
                std::is_sorted(ports.begin(), ports.end(),
                               [](const PortResult& a, const PortResult& b) { return a.port < b.port; })) {}

    std::vector<PortResult>::const_iterator find(std::uint16_t port) {
        if (!walk_) {
            return std::lower_bound(ports_.begin(), ports_.end(), port, by_port);
        }
        while (next_ != ports_.end() && next_->port < port) {
            ++next_;
        }
        return next_;
    }

private:
    const std::vector<PortResult>& ports_;
    std::vector<PortResult>::const_iterator next_;
    bool walk_;
};

}  // namespace

std::optional<ResponderReport> responder_report(const RawRun& run, const std::vector<RawColumn>& columns,
                                                std::size_t h, const HostResult& host) {
    if (run.column_count() == 0 || !run.reply_facts(h, 0)) {
        return std::nullopt;
    }
    const bool v4 = host.address.family() == Family::v4;
    std::vector<ReplyFacts> replies;
    replies.reserve(host.ports.size());
    std::uint32_t probed_syn = 0;
    PortFinder finder(columns, host.ports);
    const techniques::Module* module = nullptr;  // the last column's, and whether it is a SYN scan's
    bool syn = false;
    for (std::size_t c = 0; c < columns.size(); ++c) {
        const RawCell& cell = run.cell(h, c);
        if (columns[c].module != module) {
            module = columns[c].module;
            syn = module->technique() == Technique::syn;
        }
        probed_syn += syn && !cell.skipped ? 1U : 0U;
        const auto it = finder.find(columns[c].port);
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

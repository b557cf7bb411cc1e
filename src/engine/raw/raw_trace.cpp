#include "engine/raw/raw_trace.hpp"

#include <algorithm>
#include <map>
#include <tuple>

#include "engine/raw/raw_sender.hpp"
#include "net/ip_ttl.hpp"

namespace portwarden::engine {

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kRounds = 3;

struct Pending {
    std::size_t target = 0;
    std::uint8_t ttl = 0;
    Clock::time_point sent{};
    bool answered = false;
};

bool is_time_exceeded(const Response& r) {
    return r.kind == ResponseKind::icmp &&
           ((r.icmp_version == IcmpVersion::v4 && r.icmp_type == 11) ||
            (r.icmp_version == IcmpVersion::v6 && r.icmp_type == 3));
}

}  // namespace

std::string trace_proto(const techniques::Module& module) {
    switch (module.technique()) {
        case Technique::udp: return "udp";
        case Technique::icmp_echo:
        case Technique::icmp_timestamp: return "icmp";
        default: return "tcp";
    }
}

namespace {

// The probes of a trace: targets with the same router count and first hop form a group whose
// first member (its leader) is traced at every TTL; the others at their last router's only.
struct TracePlan {
    std::vector<std::size_t> leader;
    std::vector<Pending> probes;
    std::map<std::pair<Address, std::uint8_t>, std::size_t> probe_of;  // (host, ttl) -> probe
};

TracePlan plan_trace(const techniques::ScanContext& context, const std::vector<TraceTarget>& targets,
                     TraceResult& out) {
    TracePlan plan;
    out.paths.resize(targets.size());
    const std::uint8_t max_routers = static_cast<std::uint8_t>(std::max(context.max_tries, std::uint8_t{1}) - 1);
    std::map<std::tuple<std::uint8_t, net::MacAddress, Family>, std::size_t> leader_of;
    plan.leader.resize(targets.size());
    for (std::size_t i = 0; i < targets.size(); ++i) {
        const TraceTarget& t = targets[i];
        const std::uint8_t routers = std::min(t.routers, max_routers);
        out.paths[i].resize(std::size_t{routers} + 1);
        for (std::uint8_t ttl = 1; ttl <= routers + 1; ++ttl) {
            out.paths[i][ttl - 1].ttl = ttl;
        }
        out.paths[i][routers].address = t.target.address;  // the host itself
        out.paths[i][routers].rtt_us = t.srtt_us;
        const auto key = std::make_tuple(routers, t.target.next_hop_mac, t.target.address.family());
        const auto [it, first] = leader_of.emplace(key, i);
        plan.leader[i] = it->second;
        if (t.tmpl == nullptr || t.probe.module == nullptr || routers == 0) {
            continue;
        }
        for (std::uint8_t ttl = first ? 1 : routers; ttl <= routers; ++ttl) {
            plan.probes.push_back({i, ttl, {}, false});
        }
    }
    for (std::size_t p = 0; p < plan.probes.size(); ++p) {
        plan.probe_of.emplace(std::make_pair(targets[plan.probes[p].target].target.address, plan.probes[p].ttl), p);
    }
    return plan;
}

// The frames of this round's unanswered probes (`sent`: which probe each is).
std::vector<std::vector<std::uint8_t>> build_round(const techniques::ScanContext& context,
                                                   const std::vector<TraceTarget>& targets,
                                                   std::vector<Pending>& probes, std::vector<std::size_t>& sent) {
    std::vector<std::vector<std::uint8_t>> buffers;
    for (std::size_t p = 0; p < probes.size(); ++p) {
        if (probes[p].answered) {
            continue;
        }
        const TraceTarget& t = targets[probes[p].target];
        std::vector<std::uint8_t> frame(t.tmpl->size());
        const Family family = t.target.address.family();
        const std::size_t ip_offset = context.ethernet(family) ? net::kEthernetHeader : 0;
        if (!t.tmpl->write(frame) ||
            !t.probe.module->make_probe(frame, *t.tmpl, context, t.target.address, t.probe.port, probes[p].ttl) ||
            !net::set_ip_ttl(frame, ip_offset, probes[p].ttl)) {
            probes[p].answered = true;  // cannot be built: give up on this hop
            continue;
        }
        if (ip_offset != 0) {
            std::copy(t.target.next_hop_mac.begin(), t.target.next_hop_mac.end(), frame.begin());
        }
        buffers.push_back(std::move(frame));
        sent.push_back(p);
    }
    return buffers;
}

// Takes the replies until `open` probes are answered or the deadline; each time-exceeded that
// answers a probe makes its hop.
void collect_hops(RawIo& io, const std::vector<TraceTarget>& targets, TracePlan& plan, std::size_t open,
                         Clock::time_point deadline, const std::stop_token& stop, TraceResult& out) {
    std::vector<CapturedReply> replies;
    while (open > 0 && Clock::now() < deadline && !stop.stop_requested()) {
        replies.clear();
        io.take_replies(replies, std::min(deadline, Clock::now() + std::chrono::milliseconds(20)));
        for (const CapturedReply& r : replies) {
            const auto it = plan.probe_of.find(std::make_pair(r.reply.target, r.reply.tryno));
            if (it == plan.probe_of.end() || plan.probes[it->second].answered) {
                continue;
            }
            Pending& pending = plan.probes[it->second];
            const TraceTarget& t = targets[pending.target];
            if (r.module != t.probe.module || r.reply.port != t.probe.port) {
                continue;
            }
            // Only time-exceeded makes a hop: the host's own replies cannot be told from late
            // answers to the discovery probe (same module, port and try numbers).
            if (!is_time_exceeded(r.reply.response)) {
                continue;
            }
            pending.answered = true;
            --open;
            TraceHop& hop = out.paths[pending.target][pending.ttl - 1];
            hop.address = r.reply.responder;
            hop.rtt_us = static_cast<std::uint32_t>(
                std::max<long long>(std::chrono::duration_cast<std::chrono::microseconds>(r.at - pending.sent).count(), 1));
        }
    }
}

// A member whose last router is its leader's takes the leader's lower hops.
void consolidate(const std::vector<std::size_t>& leader, TraceResult& out) {
    for (std::size_t i = 0; i < leader.size(); ++i) {
        const std::size_t l = leader[i];
        auto& path = out.paths[i];
        const auto& lead = out.paths[l];
        if (l == i || path.size() < 2 || path.size() != lead.size()) {
            continue;
        }
        const std::size_t last = path.size() - 2;  // the last router
        if (!path[last].address || path[last].address != lead[last].address) {
            continue;
        }
        for (std::size_t k = 0; k < last; ++k) {
            path[k] = lead[k];
        }
    }
}

}  // namespace

TraceResult trace_paths(RawIo& io, const techniques::ScanContext& context,
                        const std::vector<TraceTarget>& targets, std::chrono::milliseconds round_wait,
                        std::stop_token stop) {
    TraceResult out;
    TracePlan plan = plan_trace(context, targets, out);
    for (int round = 0; round < kRounds && !stop.stop_requested(); ++round) {
        std::vector<std::size_t> sent;
        const std::vector<std::vector<std::uint8_t>> buffers = build_round(context, targets, plan.probes, sent);
        if (sent.empty()) {
            break;
        }
        std::vector<net::ConstBytes> views(buffers.begin(), buffers.end());
        const auto now = Clock::now();
        for (const std::size_t p : sent) {
            plan.probes[p].sent = now;
        }
        if (auto err = send_all(io, views); !err.empty()) {
            out.fatal_error = err;
            return out;
        }
        out.probes_sent += sent.size();
        collect_hops(io, targets, plan, sent.size(), now + round_wait, stop, out);
        if (const std::string err = io.receive_error(); !err.empty()) {
            out.fatal_error = err;
            return out;
        }
    }
    out.stopped = stop.stop_requested();
    consolidate(plan.leader, out);
    return out;
}

void GroupPaths::attach(HostResult& result, std::size_t host) const {
    result.trace = paths.at(host);
    if (const RawColumn* p = probe.at(host); p != nullptr) {
        result.trace_proto = trace_proto(*p->module);
        result.trace_port = result.trace_proto == "icmp" ? 0 : p->port;
    }
}

GroupPaths trace_group(RawIo& io, const techniques::ScanContext& context, const std::vector<RawTarget>& targets,
                       const std::vector<bool>& enabled, const std::vector<HostVerdict>& verdicts,
                       const std::vector<RawColumn>& columns, const RawTemplates& templates,
                       std::stop_token stop) {
    GroupPaths out;
    out.paths.resize(targets.size());
    out.probe.assign(targets.size(), nullptr);
    std::vector<TraceTarget> trace;
    std::vector<std::size_t> traced;
    std::uint32_t slowest = 0;
    for (std::size_t i = 0; i < targets.size(); ++i) {
        if (!enabled[i] || targets[i].local) {
            continue;
        }
        const HostVerdict& v = verdicts[i];
        TraceTarget t;
        t.target = targets[i];
        t.srtt_us = v.srtt_us.value_or(0);
        t.routers = v.ttl ? hops_from_ttl(*v.ttl) : 0;
        if (v.column && *v.column < columns.size()) {
            t.probe = columns[*v.column];
            t.tmpl = templates.get(*v.column, targets[i].address.family());
            out.probe[i] = &columns[*v.column];
        }
        slowest = std::max(slowest, t.srtt_us);
        trace.push_back(t);
        traced.push_back(i);
    }
    // Rounds wait a few round trips, at least 250 ms (a rate-limited router's next token).
    const auto wait = std::chrono::milliseconds(std::clamp<std::uint32_t>(slowest / 250, 250, 1000));
    auto result = trace_paths(io, context, trace, wait, stop);
    out.probes_sent = result.probes_sent;
    out.stopped = result.stopped;
    out.fatal_error = result.fatal_error;
    for (std::size_t k = 0; k < traced.size(); ++k) {
        out.paths[traced[k]] = std::move(result.paths[k]);
    }
    return out;
}

}  // namespace portwarden::engine

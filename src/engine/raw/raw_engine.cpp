#include "engine/raw/raw_engine.hpp"

#include <algorithm>
#include <future>
#include <system_error>
#include <tuple>

#include <fmt/format.h>

#include "engine/raw/raw_responder.hpp"

namespace portwarden::engine {

namespace {

constexpr std::uint64_t kMaxGroupCells = std::uint64_t{1} << 18;
constexpr std::uint64_t kMaxGroupHosts = 8192;
// -sn: a host costs only its timing state and a few ping cells, so groups are bigger (each
// group waits out its silent hosts' time-outs once: fewer groups, less waiting; a /16 sweep is one
// group, so the answers of its few live hosts decide for all its silent ones: raw_run_sweep.cpp).
constexpr std::uint64_t kMaxPingGroupHosts = 131072;

StepEnd step_end(const RawRun::Result& r) { return StepEnd{step_counters(r.counters), r.stopped, r.fatal_error}; }

PortResult port_result(const RawRun& run, const RawCell& cell, std::size_t h, std::size_t c, Proto proto,
                       std::uint16_t port) {
    PortResult p;
    p.proto = proto;
    p.port = port;
    p.state = cell.state;
    p.reason = cell.reason;
    if (cell.ttl != 0) {
        p.reason_ttl = cell.ttl;
    }
    if (cell.rtt_us != 0) {
        p.rtt_us = cell.rtt_us;
    }
    p.reason_ip = run.reason_ip(h, c);
    return p;
}

constexpr std::size_t kResponderThreadColumns = 4096;

HostResult host_result(const RawRun& run, const std::vector<RawColumn>& columns, std::size_t h,
                       const std::vector<bool>* only_cells, const TargetSet& targets,
                       std::chrono::system_clock::time_point start) {
    HostResult out;
    out.address = run.target(h).address;
    out.hostname = targets.hostname_of(out.address);
    out.start_time = start;
    out.end_time = std::chrono::system_clock::now();
    if (const auto srtt = run.control(h).srtt()) {
        out.srtt_us = static_cast<std::uint32_t>(srtt->count());
    }
    out.complete = run.host_finished(h) && !run.host_timed_out(h) && only_cells == nullptr;
    if (const auto interval = run.control(h).limiter_interval()) {
        out.rate_limit_interval_us = static_cast<std::uint32_t>(interval->count());
    }
    // The responder analysis reads the run alone: a host of many ports (a -p-: ~7 ms) has it
    // made on another thread while its port list is built here (the other CPU is idle by now).
    std::future<std::optional<ResponderReport>> responder;
    if (run.column_count() >= kResponderThreadColumns) {
        try {
            responder = std::async(std::launch::async, [&run, &columns, h, only_cells] {
                return responder_report(run, columns, h, only_cells);
            });
        } catch (const std::system_error&) {  // no thread: made below, here
        }
    }
    out.ports.reserve(run.column_count());
    const techniques::Module* module = nullptr;  // the last column's, and its protocol
    Proto proto = Proto::tcp;
    for (std::size_t c = 0; c < run.column_count(); ++c) {
        const RawCell& cell = run.cell(h, c);
        if (!cell.done || cell.skipped || cell.reason == Reason::unknown) {
            continue;
        }
        if (only_cells != nullptr && !(*only_cells)[h * run.column_count() + c]) {
            continue;  // settled past the low-water mark: a resumed run will report it
        }
        if (columns[c].module != module) {
            module = columns[c].module;
            proto = module->technique() == Technique::udp ? Proto::udp : Proto::tcp;
        }
        out.ports.push_back(port_result(run, cell, h, c, proto, columns[c].port));
    }
    // By (protocol, port), nmap's order: the columns usually are (TCP's, then UDP's, by port).
    const auto by_port = [](const PortResult& a, const PortResult& b) {
        return std::tie(a.proto, a.port) < std::tie(b.proto, b.port);
    };
    if (!std::is_sorted(out.ports.begin(), out.ports.end(), by_port)) {
        std::sort(out.ports.begin(), out.ports.end(), by_port);
    }
    out.responder = responder.valid() ? responder.get() : responder_report(run, columns, h, only_cells);
    return out;
}

}  // namespace

std::string RawEngine::name() const { return fmt::format("raw packets on {}", s_.env.ifname); }

std::uint64_t RawEngine::group_hosts() const {
    if (request_.ping_only) {
        return kMaxPingGroupHosts;
    }
    const std::uint64_t cols = std::max<std::uint64_t>(s_.columns.size(), 1);
    return std::clamp<std::uint64_t>(kMaxGroupCells / cols, 1, kMaxGroupHosts);
}

bool RawEngine::pipelined() const {
    return request_.ping_only && !request_.skip_host_discovery && !request_.traceroute;
}

PingPipeline::Found RawEngine::find_hosts(SessionGroup& group, std::stop_token stop) {
    if (pipelined()) {
        if (!pipeline_) {
            // The session's group size (--max-hostgroup included): the pipeline's groups must be its groups.
            const std::uint64_t per_group = group.hosts_per_group;
            const std::uint64_t seed = group.seed;
            PingPipeline::Inputs in{s_.env, request_, s_.ping_columns, s_.ping_templates,
                                    [this, per_group](std::uint64_t g) {
                                        return group_addresses(request_, g, per_group, true);
                                    },
                                    [seed](std::uint64_t g) { return seed ^ (g + 1); }};
            pipeline_ = std::make_unique<PingPipeline>(std::move(in), stop);
        }
        return pipeline_->discover(group.index);
    }
    PingPipeline::Found out;
    auto resolved =
        resolve_targets(s_.env, group.addresses, !request_.skip_host_discovery && request_.discovery.arp);
    if (!resolved) {
        out.error = resolved.error().message;
        return out;
    }
    out.resolved = std::move(*resolved);
    if (!request_.skip_host_discovery) {
        out.result = discover_hosts(s_.env, group.addresses, out.resolved, s_.ping_columns, s_.ping_templates,
                                    request_.discovery, request_.timing, group.seed ^ (group.index + 1), stop);
    }
    return out;
}

StepEnd RawEngine::discover(SessionGroup& group, std::stop_token stop) {
    run_.reset();
    const std::size_t n = group.addresses.size();
    PingPipeline::Found found = find_hosts(group, stop);
    if (!found.error.empty()) {
        return StepEnd{{}, false, found.error};
    }
    targets_.clear();
    verdicts_.assign(n, HostVerdict{true, Reason::user_set, std::nullopt, std::nullopt, std::nullopt});
    group.up.assign(n, true);
    for (std::size_t i = 0; i < n; ++i) {
        targets_.push_back(found.resolved[i].value_or(RawTarget{group.addresses[i], {}}));
        group.up[i] = found.resolved[i].has_value();  // no next hop answered ARP/ND: unreachable
    }
    StepEnd end;
    if (!request_.skip_host_discovery) {
        const DiscoveryResult& r = found.result;
        end = StepEnd{step_counters(r.counters), r.stopped, r.fatal_error};
        if (end.ended()) {
            return end;
        }
        for (std::size_t i = 0; i < n; ++i) {
            group.up[i] = r.hosts[i].up;
            if (r.hosts[i].up) {
                verdicts_[i] = r.hosts[i];
            }
        }
    }
    paths_ = GroupPaths{};
    if (request_.traceroute && !request_.skip_host_discovery) {
        paths_ = trace_group(*s_.env.io, s_.env.context, targets_, group.up, verdicts_, s_.ping_columns,
                             s_.ping_templates, stop);
        end.counters.probes_sent += paths_.probes_sent;
        end.stopped = paths_.stopped;
        end.fatal = paths_.fatal_error;
    }
    return end;
}

std::optional<std::uint8_t> RawEngine::host_hops(std::size_t i) const {
    if (verdicts_[i].ttl) {
        return hops_from_ttl(*verdicts_[i].ttl);
    }
    if (targets_[i].on_link && !targets_[i].local) {
        return std::uint8_t{0};
    }
    return std::nullopt;
}

void RawEngine::attach_trace(HostResult& result, std::size_t i) const {
    if (request_.traceroute && i < paths_.paths.size()) {
        paths_.attach(result, i);
    }
}

HostResult RawEngine::ping_result(const SessionGroup& group, std::size_t i) {
    HostResult result;
    result.address = group.addresses[i];
    result.hostname = request_.targets.hostname_of(group.addresses[i]);
    result.state = HostState::up;
    result.reason = verdicts_[i].reason;
    result.reason_ttl = verdicts_[i].ttl;
    result.hops = host_hops(i);
    result.srtt_us = verdicts_[i].srtt_us;
    attach_trace(result, i);
    result.start_time = group.start;
    result.end_time = std::chrono::system_clock::now();
    return result;
}

HostResult RawEngine::scanned_host(const SessionGroup& group, std::size_t h, const std::vector<bool>* only,
                                   const std::vector<RawColumn>& columns) const {
    HostResult result = host_result(*run_, columns, h, only, request_.targets, group.start);
    mark_up(result, h);
    return result;
}

void RawEngine::mark_up(HostResult& result, std::size_t h) const {
    result.state = HostState::up;
    result.reason = verdicts_[h].reason;
    result.reason_ttl = verdicts_[h].ttl;
    if (request_.traceroute) {
        result.hops = host_hops(h);
        attach_trace(result, h);
    }
}

RawRunHooks RawEngine::hooks(GroupSink& sink, std::function<HostResult(std::size_t)> build) {
    RawRunHooks out;
    out.host_finished = [this, &sink, build](std::size_t h) {
        if (last_built_ && last_built_->first == h) {
            sink.finished(std::move(last_built_->second));
            last_built_.reset();
            return;
        }
        sink.finished(build(h));
    };
    out.may_release = [this, &sink, build](std::size_t h) {  // not when a re-probe will need the sockets
        if (!sink.may_hold()) {
            return true;
        }
        last_built_.emplace(h, build(h));
        return !sink.would_hold(last_built_->second);
    };
    out.tick = [&sink](const RawCounters& c) { sink.tick(c.settled, c.open); };
    return out;
}

StepEnd RawEngine::scan(SessionGroup& group, GroupSink& sink, std::stop_token stop) {
    for (std::size_t i = 0; i < group.addresses.size(); ++i) {
        if (group.up[i] && targets_[i].local) {
            return StepEnd{{}, false, fmt::format("{} is one of this machine's own addresses (reached through lo); "
                                                  "scan it separately", group.addresses[i].to_string())};
        }
    }
    if (!s_.phases.empty()) {
        return scan_phases(group, sink, std::move(stop));
    }
    run_ = std::make_unique<RawRun>(targets_, s_.columns, s_.templates, s_.env.context, request_.timing,
                                    run_options(group, group.start_position, group.last), *s_.env.io);
    last_built_.reset();
    const RawRunHooks run_hooks =
        hooks(sink, [this, &group](std::size_t h) { return scanned_host(group, h, nullptr, s_.columns); });
    return step_end(run_->run(run_hooks, stop));
}

RawRunOptions RawEngine::run_options(const SessionGroup& group, std::uint64_t start_position, bool release_io) const {
    RawRunOptions options;
    options.randomize = request_.randomize_ports;
    options.seed = group.seed + group.index;
    options.shard_index = request_.shard_index;
    options.shard_count = request_.shard_count;
    options.start_position = start_position;
    options.resumed = group.resumed;  // any phase and position: the earlier run may have drained limiters
    options.max_sends_per_cell = s_.env.context.max_tries;
    options.release_io_when_done = release_io;
    options.record_reply_facts = request_.responder_analysis;
    options.disabled_hosts.resize(group.up.size());
    for (std::size_t i = 0; i < group.up.size(); ++i) {
        options.disabled_hosts[i] = !group.up[i];
    }
    return options;
}

std::optional<std::uint64_t> RawEngine::flush_unfinished(const SessionGroup& group, GroupSink& sink) {
    if (in_connect_phase_) {
        flush_connect_phase(group, sink);
        return std::nullopt;  // -sT -sU cannot be resumed
    }
    if (!run_) {
        return std::nullopt;
    }
    const std::uint64_t low = run_->low_water();
    const std::vector<bool> before = run_->cells_before(low);
    const bool phased = !s_.phases.empty();
    const std::vector<RawColumn>& columns = phased ? s_.phases.at(phase_).columns : s_.columns;
    const bool last = !phased || phase_ + 1 == s_.phases.size();
    for (std::size_t h = 0; h < run_->host_count(); ++h) {
        if (!group.up[h] || (last && run_->host_finished(h))) {
            continue;  // down, or handed over already
        }
        HostResult r;
        if (run_->host_finished(h) && h < held_.size() && held_[h]) {  // an earlier phase finished it
            r = std::move(*held_[h]);
            held_[h].reset();
        } else {
            r = scanned_host(group, h, &before, columns);
            if (phased) {
                r = merged(h, std::move(r));
            }
        }
        r.complete = false;  // the later phases' cells are missing
        sink.finished(std::move(r));
    }
    return (phased ? phase_offset_ : 0) + low;
}

StepEnd RawEngine::reprobe_raw(std::span<const HeldHost> held, std::span<const std::uint16_t> ports,
                               const techniques::Module& module, std::uint64_t seed,
                               std::vector<std::vector<PortResult>>& results, std::stop_token stop) {
    std::vector<RawColumn> columns;
    columns.reserve(ports.size());
    for (const std::uint16_t p : ports) {
        columns.push_back(RawColumn{p, &module});
    }
    std::vector<RawTarget> targets;
    for (const HeldHost& h : held) {
        const auto it = std::find_if(targets_.begin(), targets_.end(),
                                     [&](const RawTarget& t) { return t.address == h.host.address; });
        targets.push_back(it != targets_.end() ? *it : RawTarget{h.host.address, {}});
    }
    auto templates = make_templates(s_.env, columns);
    if (!templates) {
        return StepEnd{{}, false, templates.error().message};
    }
    RawRunOptions options;
    options.randomize = request_.randomize_ports;
    options.seed = seed;
    options.max_sends_per_cell = s_.env.context.max_tries;
    options.disabled_hosts.assign(targets.size(), false);
    RawRun run(targets, columns, *templates, s_.env.context, request_.timing, options, *s_.env.io);
    const auto r = run.run(RawRunHooks{}, stop);
    results.resize(held.size());
    for (std::size_t i = 0; i < held.size(); ++i) {
        const HostResult again = host_result(run, columns, i, nullptr, request_.targets, held[i].host.start_time);
        results[i].insert(results[i].end(), again.ports.begin(), again.ports.end());
    }
    return step_end(r);
}

void RawEngine::finish(ScanSummary& summary) {
    pipeline_.reset();
    run_.reset();
    const RawIoStats io_stats = s_.env.io->stats();
    s_.env.io.reset();  // closes the sockets, concurrently (or waits for release() to have)
    summary.replies_unmatched = io_stats.unmatched;
    summary.rejected.malformed = io_stats.malformed;
    summary.rejected.bad_checksum = io_stats.bad_checksum;
    summary.rejected.unknown_probe = io_stats.unknown_probe;
    summary.ring_drops = io_stats.ring_drops;
}

}  // namespace portwarden::engine

// run_raw_scan: the raw-packet path of run_scan. Host groups (bounded cells, so memory stays
// flat as targets grow), optional raw host discovery (SYN to 443 and ACK to 80: any RST or
// SYN-ACK proves a host up), then the scan run of the group; hosts are handed over as they
// finish. Interrupted: the finished hosts are out already, the others are flushed with the
// cells settled below the run's low-water position, and the resume point says where to go on.
#include "engine/raw_scan.hpp"

#include <algorithm>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "engine/drift.hpp"
#include "engine/emit.hpp"
#include "engine/raw_discovery.hpp"
#include "engine/raw_responder.hpp"
#include "engine/raw_setup.hpp"
#include "engine/raw_trace.hpp"
#include "io/privileges.hpp"

namespace portwarden::engine {

namespace {

constexpr std::uint64_t kMaxGroupCells = std::uint64_t{1} << 18;
constexpr std::uint64_t kMaxGroupHosts = 8192;
// -sn: a host costs only its timing state and a few ping cells, so groups are bigger (each
// group waits out its silent hosts' time-outs once: fewer groups, less waiting).
constexpr std::uint64_t kMaxPingGroupHosts = 16384;

HostResult host_result(const RawRun& run, const std::vector<RawColumn>& columns, std::size_t h,
                       const std::vector<bool>* only_cells, Proto proto, const TargetSet& targets,
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
    out.ports.reserve(run.column_count());
    for (std::size_t c = 0; c < run.column_count(); ++c) {
        const RawCell& cell = run.cell(h, c);
        if (!cell.done || cell.skipped || cell.reason == Reason::unknown) {
            continue;
        }
        if (only_cells != nullptr && !(*only_cells)[h * run.column_count() + c]) {
            continue;  // settled past the low-water mark: a resumed run will report it
        }
        PortResult p;
        p.proto = proto;
        p.port = columns[c].port;
        p.state = cell.state;
        p.reason = cell.reason;
        if (cell.ttl != 0) {
            p.reason_ttl = cell.ttl;
        }
        if (cell.rtt_us != 0) {
            p.rtt_us = cell.rtt_us;
        }
        p.reason_ip = run.reason_ip(h, c);
        out.ports.push_back(p);
    }
    const auto by_port = [](const PortResult& a, const PortResult& b) { return a.port < b.port; };
    if (!std::is_sorted(out.ports.begin(), out.ports.end(), by_port)) {  // columns are usually in port order
        std::sort(out.ports.begin(), out.ports.end(), by_port);
    }
    out.responder = responder_report(run, columns, h, out);
    return out;
}

// Drift confirmation: the changed ports of the hosts held back in this group are probed once
// more in a small run of their own (same technique, sockets and timing); each host is then
// handed over with the re-probe applied (see drift.hpp).
struct ReprobeEnd {
    bool stopped = false;
    std::string fatal;
};

ReprobeEnd reprobe_held(HostEmitter& emit, RawEnvironment& env, const std::vector<RawTarget>& group_targets,
                        const techniques::Module& module, Proto proto, const ScanRequest& request,
                        std::uint64_t seed, ScanSummary& summary, std::stop_token stop) {
    std::vector<HeldHost> held = emit.take_held();
    if (held.empty()) {
        return {};
    }
    const std::vector<std::uint16_t> ports = reprobe_ports(held);
    std::vector<RawColumn> columns;
    columns.reserve(ports.size());
    for (const std::uint16_t p : ports) {
        columns.push_back(RawColumn{p, &module});
    }
    std::vector<RawTarget> targets;
    for (const HeldHost& h : held) {
        const auto it = std::find_if(group_targets.begin(), group_targets.end(),
                                     [&](const RawTarget& t) { return t.address == h.host.address; });
        targets.push_back(it != group_targets.end() ? *it : RawTarget{h.host.address, {}});
    }
    auto templates = make_templates(env, columns);
    if (!templates) {
        emit.hand_over(std::move(held));
        return {false, templates.error().message};
    }
    RawRunOptions options;
    options.randomize = request.randomize_ports;
    options.seed = seed;
    options.max_sends_per_cell = env.context.max_tries;
    options.disabled_hosts.assign(targets.size(), false);
    RawRun run(targets, columns, *templates, env.context, request.timing, options, *env.io);
    const auto r = run.run(RawRunHooks{}, stop);
    summary.probes_sent += r.counters.probes_sent;
    summary.retransmissions += r.counters.retransmissions;
    summary.replies_matched += r.counters.replies_matched;
    for (std::size_t i = 0; i < held.size(); ++i) {
        const HostResult again = host_result(run, columns, i, nullptr, proto, request.targets, held[i].host.start_time);
        emit.release(std::move(held[i]), again.ports);
    }
    return {r.stopped, r.fatal_error};
}

}  // namespace

Result<ScanSummary> run_raw_scan(const ScanRequest& request, const ScanCallbacks& callbacks, std::stop_token stop) {
    const bool udp = request.technique == Technique::udp;
    const std::vector<std::uint16_t>& ports = udp ? request.ports.udp : request.ports.tcp;
    if (udp && !request.ports.tcp.empty()) {
        return fail("a UDP scan (-sU) takes UDP ports; TCP ports need a TCP scan type in another run");
    }
    if (!udp && !request.ports.udp.empty()) {
        return fail("UDP ports need -sU (one scan type per run)");
    }
    if (is_ping_technique(request.technique)) {
        return fail(fmt::format("{} is a host-discovery ping (-PE/-PP), not a port scan type",
                                to_string(request.technique)));
    }
    if (request.shard_count == 0 || request.shard_index >= request.shard_count) {
        return fail(fmt::format("bad shard {}/{}: the index must be below the count", request.shard_index,
                                request.shard_count));
    }
    std::unique_ptr<techniques::Module> custom_module;
    if (request.scan_flags) {
        auto made = techniques::make_custom_flags_module(*request.scan_flags, request.technique);
        if (!made) {
            return tl::unexpected(made.error());
        }
        custom_module = std::move(*made);
    }
    const techniques::Module& scan_module =
        custom_module ? *custom_module : techniques::module_for(request.technique);
    std::vector<const techniques::Module*> modules;
    if (!request.ping_only) {
        modules.push_back(&scan_module);
    }
    if (!request.skip_host_discovery) {
        for (const auto* m : discovery_modules(request.discovery)) {
            if (std::find(modules.begin(), modules.end(), m) == modules.end()) {
                modules.push_back(m);
            }
        }
    }
    constexpr int kTraceTries = 31;  // --traceroute: TTLs up to 30 ride in the try field
    auto env = open_raw_environment(request.targets, request.timing, udp, modules,
                                    request.traceroute ? kTraceTries : 0, request.prepared.get());
    if (!env) {
        return tl::unexpected(env.error());
    }
    env->io->set_close_detached(request.close_sockets_detached);
    ScanSummary summary;
    summary.engine = fmt::format("raw packets on {}", env->ifname);
    if (request.drop_privileges) {
        auto dropped = io::drop_privileges(request.privileged_user);
        if (!dropped) {
            return tl::unexpected(dropped.error());
        }
    }

    std::vector<RawColumn> columns;
    columns.reserve(ports.size());
    for (const std::uint16_t p : ports) {
        columns.push_back(RawColumn{p, &scan_module});
    }
    if (request.ping_only) {
        columns.clear();
    }
    const std::vector<RawColumn> ping_columns = discovery_columns(request.discovery);
    auto templates = make_templates(*env, columns);
    if (!templates) {
        return tl::unexpected(templates.error());
    }
    RawTemplates ping_templates;
    if (!request.skip_host_discovery) {
        auto t = make_templates(*env, ping_columns);
        if (!t) {
            return tl::unexpected(t.error());
        }
        ping_templates = std::move(*t);
    }

    std::uint64_t seed = request.seed;
    if (seed == 0) {
        std::random_device rd;
        seed = (std::uint64_t{rd()} << 32) | rd();
    }
    summary.seed = seed;
    summary.start_time = std::chrono::system_clock::now();
    const auto steady_start = std::chrono::steady_clock::now();
    const std::uint64_t total_hosts = request.targets.size();
    summary.hosts_total = request.ping_only && request.shard_count > 1
                              ? (total_hosts + request.shard_count - 1 - request.shard_index) / request.shard_count
                              : total_hosts;
    const std::uint64_t cols = std::max<std::uint64_t>(columns.size(), 1);
    const std::uint64_t group = request.ping_only
                                    ? kMaxPingGroupHosts
                                    : std::clamp<std::uint64_t>(kMaxGroupCells / cols, 1, kMaxGroupHosts);
    const Proto proto = udp ? Proto::udp : Proto::tcp;

    ScanProgress progress;
    progress.probes_total = total_hosts * columns.size();
    std::uint64_t settled_before = 0;
    std::uint64_t open_before = 0;
    HostEmitter emit(request, callbacks, summary);
    auto count = [&](const RawRun::Result& r) {
        summary.probes_sent += r.counters.probes_sent;
        summary.retransmissions += r.counters.retransmissions;
        summary.replies_matched += r.counters.replies_matched;
    };

    const std::uint64_t first_group = request.resume_from ? request.resume_from->group : 0;
    std::string fatal;
    bool stopped = false;
    for (std::uint64_t g = first_group; g * group < total_hosts && !stopped && fatal.empty(); ++g) {
        const std::uint64_t first = g * group;
        const auto group_start = std::chrono::system_clock::now();
        std::vector<Address> addresses;
        for (std::uint64_t i = first; i < std::min(first + group, total_hosts); ++i) {
            // -sn has no (host, port) cells: its shards split the hosts (host i goes to i mod N).
            if (!request.ping_only || i % request.shard_count == request.shard_index) {
                addresses.push_back(request.targets.at(i));
            }
        }
        const std::uint64_t n = addresses.size();
        if (n == 0) {
            continue;
        }
        auto resolved = resolve_targets(*env, addresses, !request.skip_host_discovery && request.discovery.arp);
        if (!resolved) {
            fatal = resolved.error().message;
            break;
        }
        std::vector<RawTarget> targets;
        // Why each host is taken as up (-Pn: user-set), refined by discovery.
        std::vector<HostVerdict> up(n, HostVerdict{true, Reason::user_set, std::nullopt, std::nullopt, std::nullopt});
        std::vector<bool> enabled(n, true);
        for (std::uint64_t i = 0; i < n; ++i) {
            targets.push_back((*resolved)[i].value_or(RawTarget{addresses[i], {}}));
            enabled[i] = (*resolved)[i].has_value();
        }
        const std::uint64_t start_position =
            request.resume_from && request.resume_from->group == g ? request.resume_from->position : 0;
        if (!request.skip_host_discovery) {
            const auto found = discover_hosts(*env, addresses, *resolved, ping_columns, ping_templates,
                                              request.discovery, request.timing, seed ^ (g + 1), stop);
            summary.probes_sent += found.counters.probes_sent;
            summary.retransmissions += found.counters.retransmissions;
            summary.replies_matched += found.counters.replies_matched;
            if (found.stopped || !found.fatal_error.empty()) {
                stopped = found.stopped;
                fatal = found.fatal_error;
                summary.resume_point = ResumePoint{g, start_position};
                break;
            }
            for (std::uint64_t i = 0; i < n; ++i) {
                if (found.hosts[i].up) {
                    up[i] = found.hosts[i];
                    continue;
                }
                enabled[i] = false;
                emit.down(addresses[i], group_start);
            }
        } else {
            for (std::uint64_t i = 0; i < n; ++i) {
                if (!enabled[i]) {  // no next hop answered ARP/ND: the host cannot be reached
                    emit.down(addresses[i], group_start);
                }
            }
        }
        GroupPaths paths;
        if (request.traceroute && !request.skip_host_discovery) {
            paths = trace_group(*env->io, env->context, targets, enabled, up, ping_columns, ping_templates, stop);
            summary.probes_sent += paths.probes_sent;
            if (!paths.fatal_error.empty() || paths.stopped) {
                fatal = paths.fatal_error;
                stopped = paths.stopped;
                summary.resume_point = ResumePoint{g, start_position};
                break;
            }
        }
        const auto attach_trace = [&](HostResult& result, std::size_t i) {
            if (request.traceroute && i < paths.paths.size()) {
                paths.attach(result, i);
            }
        };
        const auto host_hops = [&](std::size_t i) -> std::optional<std::uint8_t> {
            if (up[i].ttl) {
                return hops_from_ttl(*up[i].ttl);
            }
            if (targets[i].on_link && !targets[i].local) {
                return std::uint8_t{0};
            }
            return std::nullopt;
        };
        if (request.ping_only) {  // -sn: the up hosts are the result
            for (std::uint64_t i = 0; i < n; ++i) {
                if (!enabled[i]) {
                    continue;
                }
                HostResult result;
                result.address = addresses[i];
                result.hostname = request.targets.hostname_of(addresses[i]);
                result.state = HostState::up;
                result.reason = up[i].reason;
                result.reason_ttl = up[i].ttl;
                result.hops = host_hops(i);
                result.srtt_us = up[i].srtt_us;
                attach_trace(result, i);
                result.start_time = group_start;
                result.end_time = std::chrono::system_clock::now();
                emit(std::move(result));
            }
            continue;
        }
        for (std::uint64_t i = 0; i < n; ++i) {
            if (enabled[i] && targets[i].local) {
                fatal = fmt::format("{} is one of this machine's own addresses (reached through lo); scan it "
                                    "separately", addresses[i].to_string());
            }
        }
        if (!fatal.empty()) {
            break;
        }

        RawRunOptions options;
        options.randomize = request.randomize_ports;
        options.seed = seed + g;
        options.shard_index = request.shard_index;
        options.shard_count = request.shard_count;
        options.start_position = start_position;
        options.max_sends_per_cell = env->context.max_tries;
        options.release_io_when_done = (g + 1) * group >= total_hosts;  // the last group
        options.record_reply_facts = request.responder_analysis;
        options.disabled_hosts.resize(n);
        for (std::uint64_t i = 0; i < n; ++i) {
            options.disabled_hosts[i] = !enabled[i];
        }
        RawRun run(targets, columns, *templates, env->context, request.timing, options, *env->io);
        auto build_host = [&](std::size_t h, const std::vector<bool>* only) {
            HostResult result = host_result(run, columns, h, only, proto, request.targets, group_start);
            result.state = HostState::up;
            result.reason = up[h].reason;
            result.reason_ttl = up[h].ttl;
            if (request.traceroute) {
                result.hops = host_hops(h);
                attach_trace(result, h);
            }
            return result;
        };
        auto finished_host = [&](std::size_t h, const std::vector<bool>* only) { emit(build_host(h, only)); };
        // The last host, built by may_release (whose answer depends on it) for host_finished.
        std::optional<std::pair<std::size_t, HostResult>> last_built;
        RawRunHooks hooks;
        hooks.host_finished = [&](std::size_t h) {
            if (last_built && last_built->first == h) {
                emit(std::move(last_built->second));
                last_built.reset();
                return;
            }
            finished_host(h, nullptr);
        };
        hooks.may_release = [&](std::size_t h) {  // not when a re-probe will need the sockets
            if (!emit.may_hold()) {
                return true;
            }
            last_built.emplace(h, build_host(h, nullptr));
            return !emit.would_hold(last_built->second);
        };
        hooks.tick = [&](const RawCounters& c) {
            if (callbacks.progress) {
                progress.probes_done = settled_before + c.settled;
                progress.open_found = open_before + c.open;
                progress.hosts_done = summary.hosts_done;
                progress.elapsed = std::chrono::steady_clock::now() - steady_start;
                callbacks.progress(progress);
            }
        };
        const auto r = run.run(hooks, stop);
        count(r);
        settled_before += r.counters.settled;
        open_before += r.counters.open;
        stopped = r.stopped;
        fatal = r.fatal_error;
        if (stopped || !fatal.empty()) {
            emit.flush_held();  // no re-probe after a stop: as found
            const std::uint64_t low = run.low_water();
            summary.resume_point = ResumePoint{g, low};
            const std::vector<bool> before = run.cells_before(low);
            for (std::size_t h = 0; h < run.host_count(); ++h) {
                if (enabled[h] && !run.host_finished(h)) {
                    finished_host(h, &before);
                }
            }
        } else {
            const ReprobeEnd end = reprobe_held(emit, *env, targets, scan_module, proto, request,
                                                seed ^ (g + 1) ^ 0x5eedULL, summary, stop);
            if (end.stopped || !end.fatal.empty()) {
                // The group's cells are all reported; the resume point is the next group.
                stopped = end.stopped;
                fatal = end.fatal;
                summary.resume_point = ResumePoint{g + 1, 0};
            }
        }
    }
    const RawIoStats io_stats = env->io->stats();
    env->io.reset();  // closes the sockets, concurrently (or waits for release() to have)
    summary.replies_unmatched = io_stats.unmatched;
    summary.ring_drops = io_stats.ring_drops;
    summary.ports_settled = settled_before;
    summary.interrupted = stopped;
    summary.error = fatal;
    summary.end_time = std::chrono::system_clock::now();
    summary.elapsed = std::chrono::steady_clock::now() - steady_start;
    return summary;
}

}  // namespace portwarden::engine

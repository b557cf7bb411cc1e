// -sS -sU (and -sT -sU): the raw engine's scan of a host group in phases, one technique after
// the other, and the hand-over of each host with every phase's ports (see RawEngine).
#include <utility>

#include "engine/connect/connect_result.hpp"
#include "engine/connect/fd_limit.hpp"
#include "engine/raw/raw_engine.hpp"

namespace portwarden::engine {

namespace {

template <class Counters>
void add(RawCounters& sum, const Counters& c) {
    sum.probes_sent += c.probes_sent;
    sum.retransmissions += c.retransmissions;
    if constexpr (requires { c.replies_matched; c.replies_late; c.replies_not_sent; }) {
        sum.replies_matched += c.replies_matched;
        sum.replies_late += c.replies_late;
        sum.replies_not_sent += c.replies_not_sent;
    }
    sum.settled += c.settled;
    sum.open += c.open;
}

}  // namespace

// -sS -sU: the TCP phase, then the UDP phase, each a RawRun of its own over the group (as nmap
// runs one scan type after the other per host group). One run of both would share each host's
// timing and ICMP rate-limit handling between them: silent TCP probes then read as the
// limiter's silence, and closed UDP ports of a rate-limited host came out open|filtered. The
// resume position counts the cells of the phases in order (phase 0's, then phase 1's).
StepEnd RawEngine::scan_phases(SessionGroup& group, GroupSink& sink, std::stop_token stop) {
    held_.assign(group.addresses.size(), std::nullopt);
    RawCounters sum;
    std::uint64_t offset = 0;
    for (phase_ = 0; phase_ < s_.phases.size(); ++phase_) {
        const RawPhase& phase = s_.phases[phase_];
        const std::uint64_t cells = group.addresses.size() * phase.columns.size();
        phase_offset_ = offset;
        offset += cells;
        if (group.start_position >= offset && cells > 0) {
            continue;  // reported by the run this one resumes
        }
        const bool last = phase_ + 1 == s_.phases.size();
        if (phase.columns.empty()) {  // -sT -sU: the TCP phase is connect()'s
            const StepEnd end = connect_phase(group, sink, sum, last, stop);
            if (end.ended()) {
                return end;
            }
            continue;
        }
        const std::uint64_t start = group.start_position > phase_offset_ ? group.start_position - phase_offset_ : 0;
        run_ = std::make_unique<RawRun>(targets_, phase.columns, phase.templates, s_.env.context, request_.timing,
                                        run_options(group, start, group.last && last), *s_.env.io);
        last_built_.reset();
        const auto build = [this, &group, &phase](std::size_t h) {
            return merged(h, scanned_host(group, h, nullptr, phase.columns));
        };
        RawRunHooks run_hooks = hooks(sink, build);
        if (!last) {  // the host waits for the later phases
            run_hooks.host_finished = [this, build](std::size_t h) { held_[h] = build(h); };
        }
        run_hooks.tick = [&sink, &sum](const RawCounters& c) { sink.tick(sum.settled + c.settled, sum.open + c.open); };
        const RawRun::Result r = run_->run(run_hooks, stop);
        add(sum, r.counters);
        if (r.stopped || !r.fatal_error.empty()) {
            return StepEnd{step_counters(sum), r.stopped, r.fatal_error};
        }
    }
    return StepEnd{step_counters(sum), false, {}};
}

HostResult RawEngine::merged(std::size_t h, HostResult later) {
    if (h >= held_.size() || !held_[h]) {
        return later;
    }
    HostResult out = std::move(*held_[h]);
    held_[h].reset();
    out.ports.insert(out.ports.end(), later.ports.begin(), later.ports.end());  // TCP's, then UDP's
    out.complete = out.complete && later.complete;
    out.end_time = later.end_time;
    if (later.srtt_us) {
        out.srtt_us = later.srtt_us;
    }
    if (later.rate_limit_interval_us) {
        out.rate_limit_interval_us = later.rate_limit_interval_us;
    }
    if (!out.responder) {
        out.responder = std::move(later.responder);
    }
    return out;
}

HostResult RawEngine::connect_host(const SessionGroup& group, std::size_t i, bool complete) const {
    const std::size_t h = connect_index_[i];
    HostResult r = connect_host_result(connect_runs_[i], request_.ports.tcp, request_.targets, complete, group.start);
    mark_up(r, h);
    return r;
}

// -sT -sU: the group's up hosts x the TCP ports by connect() (the connect engine's run), while
// the raw sockets stay open for the UDP phase. Each finished host waits in held_.
StepEnd RawEngine::connect_phase(const SessionGroup& group, GroupSink& sink, RawCounters& sum, bool last,
                                 std::stop_token stop) {
    connect_runs_.clear();
    connect_index_.clear();
    for (std::size_t h = 0; h < group.addresses.size(); ++h) {
        if (group.up[h]) {
            connect_runs_.push_back(HostRun{});
            connect_runs_.back().address = group.addresses[h];
            connect_index_.push_back(h);
        }
    }
    connect_done_.assign(connect_runs_.size(), false);
    const RunOptions options = connect_options(group.seed + group.index);
    RunHooks hooks;
    hooks.host_finished = [&, last](std::size_t i) {  // serialized by run_connect_probes
        connect_done_[i] = true;
        if (last) {  // no UDP ports
            sink.finished(connect_host(group, i, true));
        } else {
            held_[connect_index_[i]] = connect_host(group, i, true);
        }
    };
    hooks.tick = [&sink, &sum](const RunCounters& c) { sink.tick(sum.settled + c.settled, sum.open + c.open); };
    in_connect_phase_ = true;
    const RunResult r = run_connect_probes(connect_runs_, request_.ports.tcp, request_.timing, options, hooks, stop);
    add(sum, r.counters);
    if (r.stopped || !r.fatal_error.empty()) {
        return StepEnd{step_counters(sum), r.stopped, r.fatal_error};  // flush_unfinished hands the hosts over
    }
    in_connect_phase_ = false;
    return StepEnd{step_counters(sum), false, {}};
}

void RawEngine::flush_connect_phase(const SessionGroup& group, GroupSink& sink) {
    in_connect_phase_ = false;
    for (std::size_t i = 0; i < connect_runs_.size(); ++i) {
        const std::size_t h = connect_index_[i];
        if (connect_done_[i] && !held_[h]) {
            continue;  // handed over already (the last phase)
        }
        HostResult r = connect_done_[i] ? std::move(*held_[h]) : connect_host(group, i, false);
        held_[h].reset();
        r.complete = false;  // the UDP phase's ports are missing
        sink.finished(std::move(r));
    }
}

RunOptions RawEngine::connect_options(std::uint64_t seed) const {
    RunOptions options;
    options.randomize = request_.randomize_ports;
    options.seed = seed;
    options.socket_budget = usable_socket_budget();
    options.workers = request_.workers;
    return options;
}

const techniques::Module* RawEngine::module_of(Proto proto) const {
    if (proto == s_.proto) {
        return s_.scan_module;  // -sS's TCP, -sU's (and -sT -sU's) UDP
    }
    if (proto == Proto::udp) {
        return &techniques::module_for(Technique::udp);  // -sS -sU's UDP
    }
    return nullptr;  // -sT -sU's TCP: connect()
}

// Drift confirmation: each protocol's changed ports probed once more with the scan type that
// scanned them (-sS -sU: SYN for the TCP ports, then UDP for the UDP ones, one after the other
// as the phases ran; -sT -sU's TCP ports by connect()).
StepEnd RawEngine::reprobe(std::span<const HeldHost> held, const PortList& ports, std::uint64_t seed,
                           std::vector<std::vector<PortResult>>& results, std::stop_token stop) {
    RawCounters sum;
    for (const Proto proto : {Proto::tcp, Proto::udp}) {
        const std::vector<std::uint16_t>& list = proto == Proto::tcp ? ports.tcp : ports.udp;
        if (list.empty()) {
            continue;
        }
        StepEnd end;
        if (const techniques::Module* module = module_of(proto)) {
            end = reprobe_raw(held, list, *module, seed, results, stop);
        } else {
            const RunResult r = reprobe_connect(held, list, request_, connect_options(seed), results, stop);
            end = StepEnd{step_counters(r.counters), r.stopped, r.fatal_error};
        }
        add(sum, end.counters);
        if (end.ended()) {
            return StepEnd{step_counters(sum), end.stopped, end.fatal};
        }
    }
    return StepEnd{step_counters(sum), false, {}};
}

}  // namespace portwarden::engine

#include "engine/session.hpp"

#include <algorithm>
#include <utility>

namespace portwarden::engine {

void GroupSink::finished(HostResult host) {
    const std::lock_guard lock(mutex_);
    emit_(std::move(host));
}

void GroupSink::tick(std::uint64_t settled, std::uint64_t open) {
    const std::lock_guard lock(mutex_);
    if (callbacks_.progress) {
        progress_.probes_done = settled_before_ + settled;
        progress_.open_found = open_before_ + open;
        progress_.hosts_done = summary_.hosts_done;
        progress_.elapsed = std::chrono::steady_clock::now() - steady_start_;
        callbacks_.progress(progress_);
    }
}

bool GroupSink::would_hold(const HostResult& host) {
    const std::lock_guard lock(mutex_);
    return emit_.would_hold(host);
}

void GroupSink::group_done(const StepCounters& c) {
    const std::lock_guard lock(mutex_);
    settled_before_ += c.settled;
    open_before_ += c.open;
}


std::vector<Address> group_addresses(const ScanRequest& request, std::uint64_t g, std::uint64_t group_hosts,
                                     bool shard_hosts) {
    std::vector<Address> out;
    const std::uint64_t total = request.targets.size();
    for (std::uint64_t i = g * group_hosts; i < std::min(g * group_hosts + group_hosts, total); ++i) {
        if (!shard_hosts || i % request.shard_count == request.shard_index) {
            out.push_back(request.targets.at(i));
        }
    }
    return out;
}

namespace {

constexpr std::uint64_t kReprobeSeedSalt = 0x5eedULL;

class Session {
public:
    Session(EngineStrategy& engine, const ScanRequest& request, const ScanCallbacks& callbacks, std::uint64_t seed,
            std::stop_token stop)
        : engine_(engine), request_(request), callbacks_(callbacks), seed_(seed), stop_(std::move(stop)),
          steady_start_(std::chrono::steady_clock::now()), emit_(request, callbacks, summary_),
          sink_(emit_, callbacks, progress_, summary_, steady_start_) {}

    ScanSummary run() {
        if (callbacks_.started) {
            callbacks_.started();
        }
        summary_.engine = engine_.name();
        summary_.seed = seed_;
        summary_.start_time = std::chrono::system_clock::now();
        const bool resumable = engine_.resumable();
        const std::uint64_t total = request_.targets.size();
        // -sn has no (host, port) cells: its shards split the hosts (host i goes to i mod N).
        shard_hosts_ = resumable && request_.ping_only;
        summary_.hosts_total = shard_hosts_ && request_.shard_count > 1
                                   ? (total + request_.shard_count - 1 - request_.shard_index) / request_.shard_count
                                   : total;
        progress_.probes_total = total * engine_.cells_per_host();
        std::uint64_t group = std::max<std::uint64_t>(engine_.group_hosts(), 1);
        if (request_.max_host_group > 0) {  // --max-hostgroup
            group = std::min(group, request_.max_host_group);
        }
        const std::uint64_t first_group = resumable && request_.resume_from ? request_.resume_from->group : 0;
        for (std::uint64_t g = first_group; g * group < total && !stopped_ && fatal_.empty(); ++g) {
            SessionGroup current = make_group(g, group, total);
            if (!current.addresses.empty()) {
                ++summary_.host_groups;
                run_group(current);
            }
        }
        engine_.finish(summary_);
        summary_.interrupted = stopped_;
        summary_.error = fatal_;
        summary_.end_time = std::chrono::system_clock::now();
        summary_.elapsed = std::chrono::steady_clock::now() - steady_start_;
        return std::move(summary_);
    }

private:
    SessionGroup make_group(std::uint64_t g, std::uint64_t group, std::uint64_t total) const {
        SessionGroup out;
        out.index = g;
        out.seed = seed_;
        out.hosts_per_group = group;
        out.last = (g + 1) * group >= total;
        out.start = std::chrono::system_clock::now();
        if (engine_.resumable() && request_.resume_from && request_.resume_from->group == g) {
            out.start_position = request_.resume_from->position;
            out.resumed = true;
        }
        out.addresses = group_addresses(request_, g, group, shard_hosts_);
        return out;
    }

    void count(const StepCounters& c) {
        summary_.probes_sent += c.probes_sent;
        summary_.retransmissions += c.retransmissions;
        summary_.replies_matched += c.replies_matched;
        summary_.rejected.late += c.replies_late;
        summary_.rejected.not_sent += c.replies_not_sent;
    }

    // Records how a step ended the scan, and where a resumed run goes on.
    void end_with(const StepEnd& end, std::optional<ResumePoint> resume) {
        stopped_ = end.stopped;
        fatal_ = end.fatal;
        if (resume && engine_.resumable()) {
            summary_.resume_point = resume;
        }
    }

    void run_group(SessionGroup& group) {
        const StepEnd found = engine_.discover(group, stop_);
        count(found.counters);
        if (found.ended()) {  // the hosts of this group were not scanned: nothing to report for them
            end_with(found, ResumePoint{group.index, group.start_position});
            return;
        }
        for (std::size_t i = 0; i < group.addresses.size(); ++i) {
            if (!group.up[i]) {
                emit_.down(group.addresses[i], group.start);
            }
        }
        if (request_.ping_only) {  // -sn: the up hosts are the result
            for (std::size_t i = 0; i < group.addresses.size(); ++i) {
                if (group.up[i]) {
                    emit_(engine_.ping_result(group, i));
                }
            }
            return;
        }
        const StepEnd scanned = engine_.scan(group, sink_, stop_);
        count(scanned.counters);
        summary_.ports_settled += scanned.counters.settled;
        sink_.group_done(scanned.counters);
        if (scanned.ended()) {
            end_with(scanned, std::nullopt);
            emit_.flush_held();  // no re-probe after a stop: as found
            if (const auto position = engine_.flush_unfinished(group, sink_)) {
                end_with(scanned, ResumePoint{group.index, *position});
            }
            return;
        }
        reprobe_held(group);
    }

    // Drift confirmation: the changed ports of the hosts held back in this group, probed once
    // more; each host is then handed over with the re-probe applied (see drift.hpp).
    void reprobe_held(const SessionGroup& group) {
        std::vector<HeldHost> held = emit_.take_held();
        if (held.empty()) {
            return;
        }
        const PortList ports = reprobe_ports(held);
        std::vector<std::vector<PortResult>> results;
        const StepEnd end =
            engine_.reprobe(held, ports, seed_ ^ (group.index + 1) ^ kReprobeSeedSalt, results, stop_);
        count(end.counters);
        if (results.size() == held.size()) {
            for (std::size_t i = 0; i < held.size(); ++i) {
                emit_.release(std::move(held[i]), results[i]);
            }
        } else {
            emit_.hand_over(std::move(held));
        }
        if (end.ended()) {  // the group's cells are all reported; the resume point is the next group
            end_with(end, ResumePoint{group.index + 1, 0});
        }
    }

    EngineStrategy& engine_;
    const ScanRequest& request_;
    const ScanCallbacks& callbacks_;
    std::uint64_t seed_;
    std::stop_token stop_;
    std::chrono::steady_clock::time_point steady_start_;
    ScanSummary summary_;
    ScanProgress progress_;
    HostEmitter emit_;
    GroupSink sink_;
    bool shard_hosts_ = false;
    bool stopped_ = false;
    std::string fatal_;
};

}  // namespace

ScanSummary run_session(EngineStrategy& engine, const ScanRequest& request, const ScanCallbacks& callbacks,
                        std::uint64_t seed, std::stop_token stop) {
    Session session(engine, request, callbacks, seed, std::move(stop));
    return session.run();
}

}  // namespace portwarden::engine

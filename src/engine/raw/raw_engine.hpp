#pragma once
// The raw-packet engine behind the shared session loop (engine/session.hpp): per host group,
// next hops resolved (ARP/ND), raw host discovery (raw_discovery.hpp), --traceroute, then one
// RawRun over the up hosts x the scan's columns; the drift re-probe is a small RawRun of its own.
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "engine/connect/connect_run.hpp"
#include "engine/raw/raw_discovery.hpp"
#include "engine/raw/raw_ping_pipeline.hpp"
#include "engine/raw/raw_run.hpp"
#include "engine/raw/raw_setup.hpp"
#include "engine/raw/raw_trace.hpp"
#include "engine/session.hpp"

namespace portwarden::engine {

// -sS -sU: one technique's columns and templates; a group runs its phases one after the other.
struct RawPhase {
    std::vector<RawColumn> columns;
    RawTemplates templates;
};

// What run_raw_scan sets up before the first group: the sockets, the columns and templates.
struct RawScanSetup {
    RawEnvironment env;
    std::unique_ptr<techniques::Module> custom_module;  // --scanflags
    const techniques::Module* scan_module = nullptr;
    Proto proto = Proto::tcp;
    std::vector<RawColumn> columns;       // the port scan's (empty with -sn)
    RawTemplates templates;
    std::vector<RawColumn> ping_columns;  // discovery's
    RawTemplates ping_templates;
    // -sS -sU with ports of both protocols: the TCP phase, then the UDP phase (columns holds
    // both, in that order: the groups' sizes and progress count them all). Empty otherwise.
    // -sT -sU: the TCP phase has no columns (connect() probes request.ports.tcp) and columns
    // holds the UDP ones.
    std::vector<RawPhase> phases;
    bool connect_tcp = false;  // -sT -sU
};

class RawEngine final : public EngineStrategy {
public:
    RawEngine(const ScanRequest& request, RawScanSetup setup) : request_(request), s_(std::move(setup)) {}

    std::string name() const override;
    std::uint64_t group_hosts() const override;
    std::uint64_t cells_per_host() const override {
        return s_.columns.size() + (s_.connect_tcp ? request_.ports.tcp.size() : 0);
    }
    bool resumable() const override { return !s_.connect_tcp; }
    StepEnd discover(SessionGroup& group, std::stop_token stop) override;
    HostResult ping_result(const SessionGroup& group, std::size_t i) override;
    StepEnd scan(SessionGroup& group, GroupSink& sink, std::stop_token stop) override;
    std::optional<std::uint64_t> flush_unfinished(const SessionGroup& group, GroupSink& sink) override;
    StepEnd reprobe(std::span<const HeldHost> held, const PortList& ports, std::uint64_t seed,
                    std::vector<std::vector<PortResult>>& results, std::stop_token stop) override;
    void finish(ScanSummary& summary) override;

private:
    // Up host h of the scan run over `columns` (`only`: just the cells below the low-water mark).
    HostResult scanned_host(const SessionGroup& group, std::size_t h, const std::vector<bool>* only,
                            const std::vector<RawColumn>& columns) const;
    RawRunOptions run_options(const SessionGroup& group, std::uint64_t start_position, bool release_io) const;
    // -sS -sU: the phases run one after the other over the group (see scan()).
    StepEnd scan_phases(SessionGroup& group, GroupSink& sink, std::stop_token stop);
    // Host h's results of the phases before this one, with `later` (this phase's) appended.
    HostResult merged(std::size_t h, HostResult later);
    // -sT -sU: the connect() phase (raw_phases.cpp), host i of its run, its Ctrl-C hand-over.
    StepEnd connect_phase(const SessionGroup& group, GroupSink& sink, RawCounters& sum, bool last,
                          std::stop_token stop);
    HostResult connect_host(const SessionGroup& group, std::size_t i, bool complete) const;
    void flush_connect_phase(const SessionGroup& group, GroupSink& sink);
    RunOptions connect_options(std::uint64_t seed) const;
    // Drift confirmation by raw probes of `module` (the scan type of the ports' protocol):
    // results[i] (made held.size() long) gets held[i]'s re-probed ports appended.
    StepEnd reprobe_raw(std::span<const HeldHost> held, std::span<const std::uint16_t> ports,
                        const techniques::Module& module, std::uint64_t seed,
                        std::vector<std::vector<PortResult>>& results, std::stop_token stop);
    // The raw module that scans `proto` in this scan (null: connect() does, -sT -sU's TCP).
    const techniques::Module* module_of(Proto proto) const;
    std::optional<std::uint8_t> host_hops(std::size_t i) const;
    // A scanned host's state, why it is up, and (--traceroute) its hops and path.
    void mark_up(HostResult& result, std::size_t h) const;
    // -sn (no traceroute): groups' ping runs overlap (raw_ping_pipeline.hpp).
    bool pipelined() const;
    // Next hops and discovery of the group.
    PingPipeline::Found find_hosts(SessionGroup& group, std::stop_token stop);
    void attach_trace(HostResult& result, std::size_t i) const;
    // A scan run's hooks: each finished host, as `build` makes it, to `sink`; the sockets kept
    // while a re-probe may follow.
    RawRunHooks hooks(GroupSink& sink, std::function<HostResult(std::size_t)> build);

    const ScanRequest& request_;
    RawScanSetup s_;
    // The current group:
    std::vector<RawTarget> targets_;
    std::vector<HostVerdict> verdicts_;  // why each host is taken as up (-Pn: user-set)
    GroupPaths paths_;
    std::unique_ptr<RawRun> run_;
    // -sS -sU: the phase run_ runs, its first position, and each host's results of the
    // phases before it (handed over once the last phase has finished the host).
    std::size_t phase_ = 0;
    std::uint64_t phase_offset_ = 0;
    std::vector<std::optional<HostResult>> held_;
    std::vector<HostRun> connect_runs_;       // -sT -sU: the connect phase's up hosts,
    std::vector<std::size_t> connect_index_;  // each one's index in the group,
    std::vector<bool> connect_done_;          // and whether the phase finished it
    bool in_connect_phase_ = false;
    // The last host, built by may_release (whose answer depends on it) for host_finished.
    std::optional<std::pair<std::size_t, HostResult>> last_built_;
    std::unique_ptr<PingPipeline> pipeline_;  // last: stopped before the rest goes
};

}  // namespace portwarden::engine

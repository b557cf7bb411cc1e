// The session loop both engines share (engine/session.hpp), driven with a scripted engine:
// host groups, hosts found down, -sn, a stop in the middle (flush, resume point), resuming, and
// the drift re-probe handing held hosts over with the re-probe applied.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "port_result_builder.hpp"

#include "engine/session.hpp"

namespace portwarden::engine {
namespace {

using portwarden::test::port;

// Scripted engine: host i of the request (by its last octet) is down when odd; every up host has
// port 80 open. Records the calls it got.
class ScriptedEngine final : public EngineStrategy {
public:
    std::string name() const override { return "scripted"; }
    std::uint64_t group_hosts() const override { return 2; }
    std::uint64_t cells_per_host() const override { return 1; }
    bool resumable() const override { return true; }

    StepEnd discover(SessionGroup& group, std::stop_token) override {
        calls.push_back("discover " + std::to_string(group.index) + "@" + std::to_string(group.start_position));
        group.up.clear();
        for (const Address& a : group.addresses) {
            group.up.push_back(a.to_string().back() % 2 == 0);
        }
        StepEnd end;
        end.counters.probes_sent = 10;
        return end;
    }
    HostResult ping_result(const SessionGroup& group, std::size_t i) override {
        HostResult h;
        h.address = group.addresses[i];
        h.state = HostState::up;
        h.reason = Reason::echo_reply;
        return h;
    }
    StepEnd scan(SessionGroup& group, GroupSink& sink, std::stop_token) override {
        calls.push_back("scan " + std::to_string(group.index));
        StepEnd end;
        end.counters.probes_sent = 5;
        end.counters.settled = 1;
        if (group.index == stop_in_group) {
            end.stopped = true;
            return end;
        }
        for (std::size_t i = 0; i < group.addresses.size(); ++i) {
            if (group.up[i]) {
                sink.finished(up_host(group.addresses[i], PortState::open, Reason::syn_ack, true));
            }
        }
        return end;
    }
    std::optional<std::uint64_t> flush_unfinished(const SessionGroup& group, GroupSink& sink) override {
        calls.push_back("flush " + std::to_string(group.index));
        for (std::size_t i = 0; i < group.addresses.size(); ++i) {
            if (group.up[i]) {
                sink.finished(up_host(group.addresses[i], PortState::open, Reason::syn_ack, false));
            }
        }
        return 7;
    }
    StepEnd reprobe(std::span<const HeldHost> held, const PortList& ports, std::uint64_t,
                    std::vector<std::vector<PortResult>>& results, std::stop_token) override {
        calls.push_back("reprobe " + std::to_string(held.size()) + "x" + std::to_string(ports.size()));
        for (std::size_t i = 0; i < held.size(); ++i) {
            results.push_back({port(80, PortState::closed, Reason::reset)});  // back in the recorded state
        }
        return {};
    }
    void finish(ScanSummary& summary) override { summary.ring_drops = 42; }

    static HostResult up_host(const Address& a, PortState state, Reason reason, bool complete) {
        HostResult h;
        h.address = a;
        h.state = HostState::up;
        h.reason = Reason::user_set;
        h.complete = complete;
        h.ports = {port(80, state, reason)};
        return h;
    }

    std::uint64_t stop_in_group = 99;
    std::vector<std::string> calls;
};

ScanRequest request_for(const char* targets) {
    ScanRequest request;
    EXPECT_TRUE(request.targets.add(targets, TargetParseOptions{}));
    request.ports.tcp = {80};
    return request;
}

struct Seen {
    std::vector<std::string> hosts;  // "address state [port state]"
    ScanCallbacks callbacks() {
        ScanCallbacks c;
        c.host_done = [this](const HostResult& h) {
            std::string line = h.address.to_string() + (h.state == HostState::up ? " up" : " down");
            for (const PortResult& p : h.ports) {
                line += " " + std::to_string(p.port) + (p.state == PortState::open ? " open" : " closed");
            }
            line += h.complete ? "" : " partial";
            hosts.push_back(line);
        };
        return c;
    }
};

TEST(Session, GroupsHandOverDownHostsFirstThenScannedOnesAndSumTheSteps) {
    ScriptedEngine engine;
    const ScanRequest request = request_for("198.18.1.1-5");
    Seen seen;
    const ScanSummary s = run_session(engine, request, seen.callbacks(), 1, {});
    EXPECT_EQ(engine.calls, (std::vector<std::string>{"discover 0@0", "scan 0", "discover 1@0", "scan 1",
                                                     "discover 2@0", "scan 2"}));
    EXPECT_EQ(seen.hosts, (std::vector<std::string>{"198.18.1.1 down", "198.18.1.2 up 80 open", "198.18.1.3 down",
                                                   "198.18.1.4 up 80 open", "198.18.1.5 down"}));
    EXPECT_EQ(s.engine, "scripted");
    EXPECT_EQ(s.hosts_total, 5U);
    EXPECT_EQ(s.hosts_up, 2U);
    EXPECT_EQ(s.probes_sent, 3U * 15U);
    EXPECT_EQ(s.ports_settled, 3U);
    EXPECT_EQ(s.ring_drops, 42U);  // the engine's finish()
    EXPECT_FALSE(s.resume_point);
    EXPECT_FALSE(s.interrupted);
}

TEST(Session, PingOnlyReportsDiscoveryWithoutScanning) {
    ScriptedEngine engine;
    ScanRequest request = request_for("198.18.1.1-4");
    request.ping_only = true;
    Seen seen;
    run_session(engine, request, seen.callbacks(), 1, {});
    EXPECT_EQ(engine.calls, (std::vector<std::string>{"discover 0@0", "discover 1@0"}));
    EXPECT_EQ(seen.hosts, (std::vector<std::string>{"198.18.1.1 down", "198.18.1.2 up", "198.18.1.3 down",
                                                   "198.18.1.4 up"}));
}

TEST(Session, AStopFlushesTheGroupAndSetsTheResumePointThenResumingStartsThere) {
    ScriptedEngine engine;
    engine.stop_in_group = 1;
    ScanRequest request = request_for("198.18.1.1-6");
    Seen seen;
    const ScanSummary s = run_session(engine, request, seen.callbacks(), 1, {});
    EXPECT_EQ(engine.calls, (std::vector<std::string>{"discover 0@0", "scan 0", "discover 1@0", "scan 1", "flush 1"}));
    EXPECT_EQ(seen.hosts.back(), "198.18.1.4 up 80 open partial");
    EXPECT_TRUE(s.interrupted);
    ASSERT_TRUE(s.resume_point);
    EXPECT_EQ(*s.resume_point, (ResumePoint{1, 7}));

    ScriptedEngine again;
    request.resume_from = s.resume_point;
    Seen rest;
    run_session(again, request, rest.callbacks(), 1, {});
    EXPECT_EQ(again.calls, (std::vector<std::string>{"discover 1@7", "scan 1", "discover 2@0", "scan 2"}));
}

TEST(Session, DriftHeldHostsAreReprobedAndHandedOverWithTheReprobeApplied) {
    ScriptedEngine engine;
    ScanRequest request = request_for("198.18.1.2");
    request.previous = [](const Address&) { return std::vector<PreviousPort>{{80, PortState::closed}}; };
    Seen seen;
    const ScanSummary s = run_session(engine, request, seen.callbacks(), 1, {});
    EXPECT_EQ(engine.calls, (std::vector<std::string>{"discover 0@0", "scan 0", "reprobe 1x1"}));
    // The re-probe found the recorded state again: the first result was a stray, it is replaced.
    EXPECT_EQ(seen.hosts, (std::vector<std::string>{"198.18.1.2 up 80 closed"}));
    EXPECT_EQ(s.drift_reprobed, 1U);
    EXPECT_EQ(s.drift_reverted, 1U);
}

}  // namespace
}  // namespace portwarden::engine

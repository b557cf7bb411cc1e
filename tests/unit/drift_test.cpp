// Drift confirmation: which ports changed since the history saw them, and how a re-probe is
// applied (a re-probe back in the recorded state replaces the first result; otherwise the first
// result stands), through HostEmitter as the engines use it.
#include <gtest/gtest.h>

#include <algorithm>

#include "port_result_builder.hpp"

#include "engine/drift.hpp"
#include "engine/emit.hpp"

namespace portwarden::engine {
namespace {

using portwarden::test::port;

HostResult host(std::vector<PortResult> ports) {
    HostResult h;
    h.address = Address::parse("198.18.1.10").value();
    h.state = HostState::up;
    h.complete = true;
    h.ports = std::move(ports);
    return h;
}

TEST(Drift, ChangedPortsComparesStatesOnlyAndOnlyPortsBothSidesHave) {
    const HostResult h = host({port(22, PortState::open, Reason::syn_ack), port(23, PortState::closed, Reason::reset),
                               port(80, PortState::filtered, Reason::no_response),
                               port(443, PortState::closed, Reason::reset)});
    const std::vector<PreviousPort> previous{{22, PortState::open},
                                             {23, PortState::closed},
                                             {80, PortState::closed},
                                             {443, PortState::open},
                                             {8080, PortState::open}};
    const auto changed = changed_ports(h, previous);
    ASSERT_EQ(changed.size(), 2U);
    EXPECT_EQ(changed[0], (PreviousPort{80, PortState::closed}));
    EXPECT_EQ(changed[1], (PreviousPort{443, PortState::open}));
    EXPECT_TRUE(changed_ports(h, {}).empty());
}

// TCP and UDP ports of the same numbers, in (proto, port) order on both sides (the merge walk),
// and the same lists out of order (the binary-search path): the same changes.
TEST(Drift, ChangedPortsMatchesProtocolAndPortInAnyOrder) {
    auto udp = [](std::uint16_t n, PortState s, Reason r) {
        PortResult p = port(n, s, r);
        p.proto = Proto::udp;
        return p;
    };
    HostResult h = host({port(53, PortState::closed, Reason::reset), port(80, PortState::open, Reason::syn_ack),
                         udp(53, PortState::open, Reason::udp_response), udp(161, PortState::closed, Reason::port_unreach)});
    std::vector<PreviousPort> previous{{53, PortState::open, Proto::tcp},
                                       {80, PortState::open, Proto::tcp},
                                       {1, PortState::open, Proto::udp},
                                       {53, PortState::open, Proto::udp},
                                       {161, PortState::open_filtered, Proto::udp}};
    const std::vector<PreviousPort> want{{53, PortState::open, Proto::tcp}, {161, PortState::open_filtered, Proto::udp}};
    EXPECT_EQ(changed_ports(h, previous), want);
    std::reverse(previous.begin(), previous.end());
    EXPECT_EQ(changed_ports(h, previous), want);
    std::reverse(previous.begin(), previous.end());
    std::swap(h.ports[0], h.ports[3]);  // not sorted: looked up port by port, still in h.ports' order
    const std::vector<PreviousPort> swapped{{161, PortState::open_filtered, Proto::udp}, {53, PortState::open, Proto::tcp}};
    EXPECT_EQ(changed_ports(h, previous), swapped);
}

TEST(Drift, ReprobeBackInTheRecordedStateReplacesTheFirstResult) {
    HostResult h = host({port(80, PortState::filtered, Reason::no_response)});
    const std::vector<PreviousPort> changed{{80, PortState::closed}};
    const std::vector<PortResult> again{port(80, PortState::closed, Reason::reset)};
    const DriftCounts c = apply_reprobe(h, changed, again);
    EXPECT_EQ(c.reprobed, 1U);
    EXPECT_EQ(c.confirmed, 0U);
    EXPECT_EQ(c.reverted, 1U);
    EXPECT_EQ(h.ports[0].state, PortState::closed);
    EXPECT_EQ(h.ports[0].reason, Reason::reset);
}

TEST(Drift, ReprobeAgreeingWithTheFirstResultConfirmsIt) {
    HostResult h = host({port(4444, PortState::open, Reason::syn_ack)});
    const std::vector<PreviousPort> changed{{4444, PortState::closed}};
    const DriftCounts c = apply_reprobe(h, changed, std::vector<PortResult>{port(4444, PortState::open, Reason::syn_ack)});
    EXPECT_EQ(c.confirmed, 1U);
    EXPECT_EQ(c.reverted, 0U);
    EXPECT_EQ(h.ports[0].state, PortState::open);
}

TEST(Drift, AThirdStateOrNoReprobeLeavesTheFirstResultStanding) {
    HostResult h = host({port(80, PortState::open, Reason::syn_ack), port(81, PortState::open, Reason::syn_ack)});
    const std::vector<PreviousPort> changed{{80, PortState::closed}, {81, PortState::closed}};
    // 80: the re-probe got no answer (neither the first nor the recorded state); 81: not settled.
    const DriftCounts c =
        apply_reprobe(h, changed, std::vector<PortResult>{port(80, PortState::filtered, Reason::no_response)});
    EXPECT_EQ(c.reprobed, 2U);
    EXPECT_EQ(c.confirmed, 0U);
    EXPECT_EQ(c.reverted, 0U);
    EXPECT_EQ(h.ports[0].state, PortState::open);
    EXPECT_EQ(h.ports[1].state, PortState::open);
}

TEST(Drift, ReprobePortsIsTheSortedUnionOfChangedPortsPerProtocol) {
    const std::vector<HeldHost> held{
        HeldHost{host({}), {{443, PortState::open}, {80, PortState::closed}, {161, PortState::closed, Proto::udp}}},
        HeldHost{host({}), {{80, PortState::open}, {22, PortState::closed}, {53, PortState::open, Proto::udp}}}};
    const PortList ports = reprobe_ports(held);
    EXPECT_EQ(ports.tcp, (std::vector<std::uint16_t>{22, 80, 443}));
    EXPECT_EQ(ports.udp, (std::vector<std::uint16_t>{53, 161}));
}

// -sS -sU: a host holds both protocols (TCP's ports, then UDP's), and the same port number of
// each is its own port: compared with its own protocol's record, re-probed and replaced alone.
TEST(Drift, BothProtocolsOfAMixedScanAreComparedAndReprobedApart) {
    PortResult udp53 = port(53, PortState::open_filtered, Reason::no_response);
    udp53.proto = Proto::udp;
    PortResult udp80 = port(80, PortState::closed, Reason::port_unreach);
    udp80.proto = Proto::udp;
    HostResult h = host({port(53, PortState::closed, Reason::reset), port(80, PortState::filtered, Reason::no_response),
                         udp53, udp80});
    const std::vector<PreviousPort> previous{{53, PortState::closed},
                                             {80, PortState::closed},
                                             {53, PortState::closed, Proto::udp},
                                             {80, PortState::closed, Proto::udp}};
    const auto changed = changed_ports(h, previous);
    ASSERT_EQ(changed.size(), 2U);
    EXPECT_EQ(changed[0], (PreviousPort{80, PortState::closed, Proto::tcp}));
    EXPECT_EQ(changed[1], (PreviousPort{53, PortState::closed, Proto::udp}));
    PortResult udp53_again = port(53, PortState::closed, Reason::port_unreach);
    udp53_again.proto = Proto::udp;
    // UDP 53 is back in its recorded state; TCP 80 answers again as it did the first time.
    const DriftCounts c = apply_reprobe(h, changed, std::vector<PortResult>{udp53_again,
                                                                            port(80, PortState::filtered, Reason::no_response)});
    EXPECT_EQ(c.reprobed, 2U);
    EXPECT_EQ(c.confirmed, 1U);
    EXPECT_EQ(c.reverted, 1U);
    EXPECT_EQ(h.ports[0].state, PortState::closed);    // 53/tcp untouched
    EXPECT_EQ(h.ports[1].state, PortState::filtered);  // 80/tcp confirmed
    EXPECT_EQ(h.ports[2].state, PortState::closed);    // 53/udp reverted
    EXPECT_EQ(h.ports[2].reason, Reason::port_unreach);
    EXPECT_EQ(h.ports[3].state, PortState::closed);    // 80/udp untouched
}

TEST(Drift, EmitterHoldsOnlyCompleteUpHostsWithChangesAndCountsTheReprobe) {
    ScanRequest request;
    request.previous = [](const Address&) { return std::vector<PreviousPort>{{80, PortState::closed}}; };
    std::vector<HostResult> out;
    ScanCallbacks callbacks;
    callbacks.host_done = [&](const HostResult& h) { out.push_back(h); };
    ScanSummary summary;
    HostEmitter emit(request, callbacks, summary);

    EXPECT_FALSE(emit.would_hold(host({port(80, PortState::closed, Reason::reset)})));
    EXPECT_TRUE(emit.would_hold(host({port(80, PortState::filtered, Reason::no_response)})));
    emit(host({port(80, PortState::closed, Reason::reset)}));  // unchanged: handed over at once
    ASSERT_EQ(out.size(), 1U);
    HostResult partial = host({port(80, PortState::filtered, Reason::no_response)});
    partial.complete = false;  // interrupted hosts are not confirmed
    emit(partial);
    ASSERT_EQ(out.size(), 2U);
    emit(host({port(80, PortState::filtered, Reason::no_response)}));  // changed: held back
    ASSERT_EQ(out.size(), 2U);
    EXPECT_EQ(summary.hosts_done, 2U);

    EXPECT_TRUE(emit.would_hold(host({port(80, PortState::closed, Reason::reset)})));  // one is held
    auto held = emit.take_held();
    ASSERT_EQ(held.size(), 1U);
    EXPECT_TRUE(emit.take_held().empty());
    emit.release(std::move(held[0]), std::vector<PortResult>{port(80, PortState::closed, Reason::reset)});
    ASSERT_EQ(out.size(), 3U);
    EXPECT_EQ(out[2].ports[0].state, PortState::closed);
    EXPECT_EQ(summary.hosts_done, 3U);
    EXPECT_EQ(summary.drift_reprobed, 1U);
    EXPECT_EQ(summary.drift_reverted, 1U);

    emit(host({port(80, PortState::open, Reason::syn_ack)}));
    emit.flush_held();  // a stop: handed over as found, nothing counted
    ASSERT_EQ(out.size(), 4U);
    EXPECT_EQ(out[3].ports[0].state, PortState::open);
    EXPECT_EQ(summary.drift_reprobed, 1U);
}

}  // namespace
}  // namespace portwarden::engine

// RawRun driven through its RawIo seam by a fake network (no sockets, no privileges): the fake
// reads each SYN frame it is given (target, port, and the try from the source port), answers
// it or not as a per-test script says, a millisecond later. Shards, resume/low-water mark,
// retries, the host time-out and --max-rate are checked on what was sent and settled.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <stop_token>
#include <thread>
#include <tuple>
#include <vector>

#include "engine/raw/raw_run.hpp"
#include "techniques/technique.hpp"

namespace portwarden::engine {
namespace {

using namespace std::chrono_literals;

Address addr(const char* text) { return Address::parse(text).value(); }

techniques::ScanContext context() {
    techniques::ScanContext c;
    c.key = net::SipKey{0x1111222233334444ULL, 0x5555666677778888ULL};
    c.source_v4 = addr("198.18.0.2");
    return c;
}

// What the fake network does with a probe: the reply kind, or nothing (lost / filtered).
using Script = std::function<std::optional<ResponseKind>(const Address& host, std::uint16_t port, std::uint8_t tryno)>;

struct Sent {
    Address host;
    std::uint16_t port = 0;
    std::uint8_t tryno = 0;
    std::chrono::steady_clock::time_point at;
    bool udp = false;
};

class FakeIo : public RawIo {
public:
    FakeIo(const techniques::ScanContext& ctx, Script script) : ctx_(ctx), script_(std::move(script)) {}

    Result<std::size_t> send(std::span<const net::ConstBytes> frames) override {
        const auto now = std::chrono::steady_clock::now();
        const std::lock_guard lock(mutex_);
        for (const net::ConstBytes& f : frames) {
            // IPv4 (no Ethernet header: the context has none), 20-byte header, then TCP.
            const auto be32 = [&](std::size_t i) {
                return (std::uint32_t{f[i]} << 24) | (std::uint32_t{f[i + 1]} << 16) | (std::uint32_t{f[i + 2]} << 8) | f[i + 3];
            };
            const auto be16 = [&](std::size_t i) { return static_cast<std::uint16_t>((f[i] << 8) | f[i + 1]); };
            const Address dst = Address::from_v4(be32(16));
            const bool udp = f[9] == 17;  // IPv4 protocol: UDP, else TCP (same port offsets)
            const std::uint16_t sport = be16(20);
            const std::uint16_t dport = be16(22);
            const auto tryno = techniques::tryno_from_source_port(ctx_, *ctx_.source_v4, dst, sport, dport);
            EXPECT_TRUE(tryno.has_value());
            sent.push_back(Sent{dst, dport, tryno.value_or(0), now});
            sent.back().udp = udp;
            const auto kind = by_proto ? by_proto(udp, dst, dport, tryno.value_or(0)) : script_(dst, dport, tryno.value_or(0));
            if (kind) {
                CapturedReply r;
                r.reply.target = dst;
                r.reply.port = dport;
                r.reply.tryno = tryno.value_or(0);
                r.reply.response.kind = *kind;
                r.reply.ttl = 64;
                r.reply.responder = dst;
                r.at = now + 1ms;
                r.module = &techniques::module_for(udp ? Technique::udp : Technique::syn);
                if (*kind == ResponseKind::icmp) {  // port unreachable from the host
                    r.reply.response.icmp_type = 3;
                    r.reply.response.icmp_code = 3;
                }
                pending_.push_back(r);
            }
        }
        if (on_send) {
            on_send(sent.size());
        }
        return frames.size();
    }

    void take_replies(std::vector<CapturedReply>& out, std::chrono::steady_clock::time_point deadline) override {
        for (;;) {
            const auto now = std::chrono::steady_clock::now();
            auto next = deadline;
            {
                const std::lock_guard lock(mutex_);
                const auto due = std::stable_partition(pending_.begin(), pending_.end(),
                                                       [&](const CapturedReply& r) { return r.at <= now; });
                out.insert(out.end(), pending_.begin(), due);
                pending_.erase(pending_.begin(), due);
                for (const CapturedReply& r : pending_) {
                    next = std::min(next, r.at);
                }
            }
            if (!out.empty() || now >= deadline) {
                return;
            }
            std::this_thread::sleep_until(next);
        }
    }

    RawIoStats stats() override { return {}; }
    std::string receive_error() override { return {}; }

    std::vector<Sent> sent;
    std::function<void(std::size_t)> on_send;
    // Set: the script of a run probing TCP and UDP (-sS -sU), told which protocol a probe is.
    std::function<std::optional<ResponseKind>(bool udp, const Address&, std::uint16_t, std::uint8_t)> by_proto;

private:
    techniques::ScanContext ctx_;
    Script script_;
    std::mutex mutex_;
    std::vector<CapturedReply> pending_;
};

// Hosts 198.18.1.1 .. .N x ports 1 .. P, probed with SYNs; fast time-outs.
struct Fixture {
    techniques::ScanContext ctx = context();
    Timing timing;
    RawTemplates templates;
    std::vector<RawTarget> targets;
    std::vector<RawColumn> columns;
    RawRunOptions options;

    Fixture(std::uint32_t hosts, std::uint16_t ports) {
        timing.initial_rtt_timeout = 50ms;
        timing.min_rtt_timeout = 50ms;  // replies come after 1 ms; a loaded machine may stall
        timing.max_rtt_timeout = 100ms;
        const auto& syn = techniques::module_for(Technique::syn);
        templates.unique.push_back(syn.make_template(ctx, Family::v4, 1).value());
        for (std::uint16_t p = 1; p <= ports; ++p) {
            columns.push_back(RawColumn{p, &syn});
            templates.index.push_back(0);
            templates.index.push_back(RawTemplates::kNone);
        }
        for (std::uint32_t h = 1; h <= hosts; ++h) {
            RawTarget t;
            t.address = Address::from_v4((198U << 24) | (18U << 16) | (1U << 8) | h);
            targets.push_back(t);
        }
        options.seed = 7;
        options.batch = 16;
        options.helper_sender = false;
        options.max_sends_per_cell = ctx.max_tries;
    }

    RawRun make(FakeIo& io) const { return RawRun(targets, columns, templates, ctx, timing, options, io); }
};

// Even ports closed (RST), ports divisible by 5 open (SYN-ACK), the rest filtered (silent).
std::optional<ResponseKind> mixed(const Address&, std::uint16_t port, std::uint8_t) {
    if (port % 5 == 0) {
        return ResponseKind::syn_ack;
    }
    if (port % 2 == 0) {
        return ResponseKind::rst;
    }
    return std::nullopt;
}

PortState want_state(std::uint16_t port) {
    return port % 5 == 0 ? PortState::open : port % 2 == 0 ? PortState::closed : PortState::filtered;
}

TEST(RawRun, SettlesEveryCellAndReportsEveryHostOnce) {
    Fixture f(3, 40);
    FakeIo io(f.ctx, mixed);
    RawRun run = f.make(io);
    std::vector<int> reported(3, 0);
    RawRunHooks hooks;
    hooks.host_finished = [&](std::size_t h) { ++reported.at(h); };
    const auto r = run.run(hooks, {});
    EXPECT_TRUE(r.fatal_error.empty());
    EXPECT_FALSE(r.stopped);
    EXPECT_EQ(reported, std::vector<int>(3, 1));
    for (std::size_t h = 0; h < 3; ++h) {
        for (std::size_t c = 0; c < 40; ++c) {
            const RawCell& cell = run.cell(h, c);
            ASSERT_TRUE(cell.done);
            EXPECT_EQ(cell.state, want_state(f.columns[c].port)) << "port " << f.columns[c].port;
            // A silent port gets the default two tries (more only if a stall made a retry of
            // an answered port necessary, which raises the depth).
            EXPECT_GE(cell.tries, cell.state == PortState::filtered ? 2 : 1);
        }
        EXPECT_TRUE(run.host_up(h));
    }
    EXPECT_EQ(r.counters.settled, 120U);
    EXPECT_EQ(r.counters.open, 3U * 8U);
    EXPECT_EQ(run.low_water(), 120U);
}

TEST(RawRun, AFullWindowNeverReordersAHostsProbes) {
    // A host whose window is full gets its cells queued; the walk over the permutation stops
    // once every host has queued cells. Either way each host's first tries leave in
    // permutation order: the same order with a window of 4 as with the default one.
    const auto first_tries = [](std::uint32_t hosts, int max_parallelism) {
        Fixture f(hosts, 600);
        f.timing.max_parallelism = max_parallelism;
        FakeIo io(f.ctx, [](const Address&, std::uint16_t, std::uint8_t) { return std::optional(ResponseKind::rst); });
        RawRun run = f.make(io);
        const auto r = run.run({}, {});
        EXPECT_TRUE(r.fatal_error.empty());
        EXPECT_EQ(r.counters.settled, hosts * 600U);
        std::map<std::uint32_t, std::vector<std::uint16_t>> order;  // host -> ports, first tries
        for (const Sent& s : io.sent) {
            if (s.tryno == 0) {
                order[s.host.v4()].push_back(s.port);
            }
        }
        for (const auto& [host, ports] : order) {
            EXPECT_EQ(std::set<std::uint16_t>(ports.begin(), ports.end()).size(), 600U) << "each port once";
        }
        return order;
    };
    for (const std::uint32_t hosts : {1U, 3U}) {
        const auto wide = first_tries(hosts, 0);
        const auto narrow = first_tries(hosts, 4);
        EXPECT_EQ(wide.size(), hosts);
        EXPECT_EQ(wide, narrow) << hosts << " host(s)";
    }
}

TEST(RawRun, RetriesUntilTheLostProbesAreAnswered) {
    // The first try of every probe is lost: each port is settled by its retry (nothing reads
    // filtered), and the retry depth grows with what the host needed (nmap's allowedTryno).
    Fixture f(2, 30);
    FakeIo io(f.ctx, [](const Address&, std::uint16_t, std::uint8_t tryno) -> std::optional<ResponseKind> {
        return tryno >= 1 ? std::optional(ResponseKind::rst) : std::nullopt;
    });
    RawRun run = f.make(io);
    const auto r = run.run({}, {});
    for (std::size_t h = 0; h < 2; ++h) {
        for (std::size_t c = 0; c < 30; ++c) {
            EXPECT_EQ(run.cell(h, c).state, PortState::closed);
            EXPECT_GE(run.cell(h, c).tries, 2);
        }
        EXPECT_GE(run.control(h).allowed_tries(), 3);
    }
    EXPECT_GE(r.counters.retransmissions, 2U * 30U);
    EXPECT_EQ(io.sent.size(), 2U * 30U + r.counters.retransmissions);
}

TEST(RawRun, ShardsAreDisjointAndCoverEveryCell) {
    Fixture f(3, 20);
    std::map<std::pair<Address, std::uint16_t>, int> probed;
    std::uint64_t settled = 0;
    for (std::uint32_t shard = 0; shard < 3; ++shard) {
        f.options.shard_index = shard;
        f.options.shard_count = 3;
        FakeIo io(f.ctx, [](const Address&, std::uint16_t, std::uint8_t) { return std::optional(ResponseKind::rst); });
        RawRun run = f.make(io);
        settled += run.run({}, {}).counters.settled;
        for (const Sent& s : io.sent) {
            ++probed[{s.host, s.port}];
        }
        for (std::size_t h = 0; h < 3; ++h) {
            for (std::size_t c = 0; c < 20; ++c) {
                EXPECT_EQ(run.cell(h, c).skipped, (h * 20 + c) % 3 != shard);
            }
        }
    }
    EXPECT_EQ(settled, 60U);
    EXPECT_EQ(probed.size(), 60U);
    for (const auto& [cell, n] : probed) {
        EXPECT_EQ(n, 1);
    }
}

TEST(RawRun, LowWaterMarkAndResumeCoverTheRunExactly) {
    Fixture f(4, 50);
    const auto answer = [](const Address&, std::uint16_t, std::uint8_t) { return std::optional(ResponseKind::rst); };
    std::stop_source stop;
    FakeIo first_io(f.ctx, answer);
    first_io.on_send = [&](std::size_t sent) {
        if (sent >= 80) {
            stop.request_stop();  // interrupted after 80 of 200 probes
        }
    };
    RawRun first = f.make(first_io);
    const auto r = first.run({}, stop.get_token());
    EXPECT_TRUE(r.stopped);
    const std::uint64_t mark = first.low_water();
    EXPECT_LT(mark, 200U);
    const std::vector<bool> before = first.cells_before(mark);
    for (std::size_t i = 0; i < 200; ++i) {
        if (before[i]) {
            EXPECT_TRUE(first.cell(i / 50, i % 50).done) << "cell " << i << " below the mark is settled";
        }
    }
    // Resume from the mark: exactly the cells at and above it are probed.
    f.options.start_position = mark;
    FakeIo second_io(f.ctx, answer);
    RawRun second = f.make(second_io);
    EXPECT_FALSE(second.run({}, {}).stopped);
    EXPECT_EQ(second.low_water(), 200U);
    EXPECT_EQ(second_io.sent.size(), 200U - mark);
    for (std::size_t i = 0; i < 200; ++i) {
        EXPECT_EQ(second.cell(i / 50, i % 50).skipped, static_cast<bool>(before[i]));
        EXPECT_TRUE(before[i] || second.cell(i / 50, i % 50).done);
    }
}

TEST(RawRun, HostTimeoutEndsASlowHostAndLeavesItsCellsUnsettled) {
    // Host 1 answers; host 2 is silent with long time-outs, and --host-timeout ends it.
    Fixture f(2, 30);
    f.timing.initial_rtt_timeout = 500ms;
    f.timing.min_rtt_timeout = 500ms;
    f.timing.max_rtt_timeout = 500ms;
    f.timing.host_timeout = 100ms;
    const Address answering = f.targets[0].address;
    FakeIo io(f.ctx, [&](const Address& host, std::uint16_t, std::uint8_t) -> std::optional<ResponseKind> {
        return host == answering ? std::optional(ResponseKind::rst) : std::nullopt;
    });
    RawRun run = f.make(io);
    const auto start = std::chrono::steady_clock::now();
    run.run({}, {});
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_FALSE(run.host_timed_out(0));
    EXPECT_TRUE(run.host_timed_out(1));
    EXPECT_TRUE(run.host_finished(1));
    EXPECT_LT(took, 450ms);  // not one 500 ms time-out waited out
    for (std::size_t c = 0; c < 30; ++c) {
        EXPECT_TRUE(run.cell(0, c).done);
        EXPECT_FALSE(run.cell(1, c).done);
    }
    EXPECT_LT(run.low_water(), 60U);  // the timed-out host's cells are not settled
}

TEST(RawRun, MaxRateIsATokenBucketForTheWholeRun) {
    Fixture f(4, 50);  // 200 probes at 2000/s: at least ~95 ms (10 ms of burst)
    f.timing.max_rate = 2000;
    FakeIo io(f.ctx, [](const Address&, std::uint16_t, std::uint8_t) { return std::optional(ResponseKind::rst); });
    RawRun run = f.make(io);
    run.run({}, {});
    ASSERT_EQ(io.sent.size(), 200U);
    const auto span = io.sent.back().at - io.sent.front().at;
    EXPECT_GE(span, 85ms);
    // No 20 ms stretch holds more than its 40 tokens plus the bucket's 20.
    for (std::size_t i = 0; i < io.sent.size(); ++i) {
        std::size_t j = i;
        while (j < io.sent.size() && io.sent[j].at - io.sent[i].at < 20ms) {
            ++j;
        }
        EXPECT_LE(j - i, 60U) << "from probe " << i;
    }
}

// -sS -sU: TCP and UDP columns on the same ports in one run. Each reply settles its own
// protocol's cell (the same port number in the other protocol is another column), and each
// column reads its replies through its own technique's row.
TEST(RawRun, TcpAndUdpColumnsOnTheSamePortsSettleApart) {
    Fixture f(2, 0);
    const auto& syn = techniques::module_for(Technique::syn);
    const auto& udp = techniques::module_for(Technique::udp);
    f.templates.unique.clear();
    f.templates.index.clear();
    f.templates.unique.push_back(syn.make_template(f.ctx, Family::v4, 1).value());
    const std::vector<std::uint16_t> ports{22, 53, 80, 161};
    for (const std::uint16_t p : ports) {
        f.columns.push_back(RawColumn{p, &syn});
        f.templates.index.insert(f.templates.index.end(), {0, RawTemplates::kNone});
    }
    for (const std::uint16_t p : ports) {
        f.templates.unique.push_back(udp.make_template(f.ctx, Family::v4, p).value());
        f.columns.push_back(RawColumn{p, &udp});
        f.templates.index.insert(f.templates.index.end(),
                                 {static_cast<std::uint32_t>(f.templates.unique.size() - 1), RawTemplates::kNone});
    }
    FakeIo io(f.ctx, mixed);
    // TCP: 22 and 80 open, 53 and 161 closed. UDP: 53 answers, 161 silent, 22 and 80 port-unreachable.
    io.by_proto = [](bool is_udp, const Address&, std::uint16_t port, std::uint8_t) -> std::optional<ResponseKind> {
        if (!is_udp) {
            return port == 22 || port == 80 ? ResponseKind::syn_ack : ResponseKind::rst;
        }
        if (port == 53) {
            return ResponseKind::udp_reply;
        }
        return port == 161 ? std::nullopt : std::optional(ResponseKind::icmp);
    };
    RawRun run = f.make(io);
    const auto r = run.run({}, {});
    EXPECT_TRUE(r.fatal_error.empty());
    const std::vector<std::pair<PortState, Reason>> want{
        {PortState::open, Reason::syn_ack},          {PortState::closed, Reason::reset},
        {PortState::open, Reason::syn_ack},          {PortState::closed, Reason::reset},
        {PortState::closed, Reason::port_unreach},   {PortState::open, Reason::udp_response},
        {PortState::closed, Reason::port_unreach},   {PortState::open_filtered, Reason::no_response}};
    for (std::size_t h = 0; h < 2; ++h) {
        for (std::size_t c = 0; c < f.columns.size(); ++c) {
            const RawCell& cell = run.cell(h, c);
            ASSERT_TRUE(cell.done);
            EXPECT_EQ(std::pair(cell.state, cell.reason), want[c])
                << (c < 4 ? "tcp " : "udp ") << f.columns[c].port;
        }
    }
    std::size_t udp_sent = 0;
    for (const Sent& s : io.sent) {
        udp_sent += s.udp ? 1 : 0;
    }
    EXPECT_GE(udp_sent, 2U * 4U);  // every UDP column was probed as UDP
    EXPECT_EQ(r.counters.settled, 16U);
    EXPECT_EQ(r.counters.open, 2U * 3U);
}

// Sweep mode (RawRunOptions::sweep, raw_run_sweep.cpp): ping of 600 hosts x 4 SYN columns, a
// few hosts live. Address i = 198.18.0.0 + 256 + i.
struct SweepFixture : Fixture {
    static constexpr std::uint32_t kHosts = 600;
    SweepFixture() : Fixture(0, 4) {
        for (std::uint32_t h = 1; h <= kHosts; ++h) {
            RawTarget t;
            t.address = Address::from_v4(((198U << 24) | (18U << 16)) + 256U + h);
            targets.push_back(t);
        }
        options.ping = true;
        options.sweep = true;
        options.batch = 64;
    }
    static std::uint32_t index(const Address& a) { return a.v4() - (((198U << 24) | (18U << 16)) + 256U); }
};

TEST(RawRunSweep, SilentHostsGetOneTryWhenTheLiveHostsShowACleanPath) {
    SweepFixture f;
    FakeIo io(f.ctx, [](const Address& a, std::uint16_t, std::uint8_t) -> std::optional<ResponseKind> {
        return SweepFixture::index(a) % 100 == 0 ? std::optional(ResponseKind::rst) : std::nullopt;
    });
    RawRun run = f.make(io);
    const auto r = run.run({}, {});
    std::size_t up = 0;
    for (std::size_t h = 0; h < SweepFixture::kHosts; ++h) {
        const bool live = (h + 1) % 100 == 0;
        EXPECT_EQ(run.host_up(h), live) << h;
        up += run.host_up(h) ? 1U : 0U;
        for (std::size_t c = 0; c < 4 && !live; ++c) {
            EXPECT_TRUE(run.cell(h, c).done);
            EXPECT_EQ(run.cell(h, c).tries, 1) << "a silent address got a retry on a clean path";
        }
    }
    EXPECT_EQ(up, 6U);
    EXPECT_EQ(r.counters.retries_saved, (SweepFixture::kHosts - 6) * 4U);
    EXPECT_EQ(io.sent.size(), SweepFixture::kHosts * 4U);  // live hosts answer every probe: no retry at all
}

TEST(RawRunSweep, LossSeenOnLiveHostsKeepsTheRetriesAndFindsHostsWhoseFirstTriesWereLost) {
    // Host 100 answers ports 2-4 at once but port 1 only from its second try on (its first try
    // is lost): that answer to a retry shows loss, so the silent addresses are retried too, and
    // hosts 250 and 500, whose every first try is lost, are found by their retries.
    SweepFixture f;
    FakeIo io(f.ctx, [](const Address& a, std::uint16_t port, std::uint8_t tryno) -> std::optional<ResponseKind> {
        const std::uint32_t i = SweepFixture::index(a);
        const bool lost = i != 100 || port == 1;
        if ((i == 100 || i == 250 || i == 500) && (tryno >= 1 || !lost)) {
            return ResponseKind::rst;
        }
        return std::nullopt;
    });
    RawRun run = f.make(io);
    const auto r = run.run({}, {});
    for (std::size_t h = 0; h < SweepFixture::kHosts; ++h) {
        const bool live = h + 1 == 100 || h + 1 == 250 || h + 1 == 500;
        EXPECT_EQ(run.host_up(h), live) << h;
        for (std::size_t c = 0; c < 4 && !live; ++c) {
            EXPECT_GE(run.cell(h, c).tries, 2) << "loss was seen: a silent address must be retried";
        }
    }
    EXPECT_EQ(r.counters.retries_saved, 0U);
    EXPECT_GE(r.counters.retransmissions, (SweepFixture::kHosts - 3) * 4U);
}

}  // namespace
}  // namespace portwarden::engine

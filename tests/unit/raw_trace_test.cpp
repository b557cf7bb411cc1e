// trace_paths (--traceroute) against a fake link: routers at given TTLs answer time-exceeded
// for the probes that reach them, each at most `budget` times (a rate limit). Checks which
// probes leave (TTL in the frame, valid IPv4 checksum, the try field = the TTL), the paths,
// and nmap-style consolidation: never a hop nobody answered.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <thread>
#include <vector>

#include "engine/raw/raw_trace.hpp"
#include "net/bytes.hpp"
#include "net/packet_view.hpp"

namespace portwarden::engine {
namespace {

using techniques::module_for;

Address addr(const char* text) { return Address::parse(text).value(); }

techniques::ScanContext context() {
    techniques::ScanContext c;
    c.key = net::SipKey{0x0123456789abcdefULL, 0xfedcba9876543210ULL};
    c.source_v4 = addr("198.18.0.2");
    c.ethernet_v4 = net::EthernetAddresses{{2, 0, 0, 0, 0, 2}, {}};
    c.max_tries = 31;
    return c;
}

class FakeLink final : public RawIo {
public:
    FakeLink(const techniques::ScanContext& context, std::vector<Address> routers, std::vector<int> budget)
        : context_(context), routers_(std::move(routers)), budget_(std::move(budget)) {}

    Result<std::size_t> send(std::span<const net::ConstBytes> frames) override {
        for (const auto& f : frames) {
            const auto p = net::parse_frame(f, net::LinkType::ethernet);
            EXPECT_TRUE(p && p->tcp);
            if (!p || !p->tcp) {
                continue;
            }
            const auto ip = net::slice(f, p->ip_offset, p->l4_offset - p->ip_offset);
            EXPECT_TRUE(ip && net::internet_checksum(*ip) == 0) << "IPv4 header checksum";
            const auto tryno = techniques::tryno_from_source_port(context_, p->src, p->dst, p->tcp->src_port,
                                                                  p->tcp->dst_port);
            EXPECT_EQ(tryno, std::optional<std::uint8_t>(p->ttl)) << "the try field carries the TTL";
            sent.push_back({p->dst, p->ttl});
            const std::size_t hop = std::size_t{p->ttl} - 1;
            if (hop < routers_.size() && budget_[hop] > 0) {
                --budget_[hop];
                Response r;
                r.kind = ResponseKind::icmp;
                r.icmp_type = 11;
                r.from_target = false;
                queue_.push_back(CapturedReply{techniques::Reply{p->dst, p->tcp->dst_port, p->ttl, r, 64, routers_[hop], {}, 0, 0},
                                               std::chrono::steady_clock::now(), &module_for(Technique::syn)});
            }
        }
        return frames.size();
    }
    void take_replies(std::vector<CapturedReply>& out, std::chrono::steady_clock::time_point deadline) override {
        if (queue_.empty()) {
            std::this_thread::sleep_until(std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(2)));
        }
        out.insert(out.end(), queue_.begin(), queue_.end());
        queue_.clear();
    }
    RawIoStats stats() override { return {}; }
    std::string receive_error() override { return {}; }

    std::vector<std::pair<Address, std::uint8_t>> sent;

private:
    techniques::ScanContext context_;
    std::vector<Address> routers_;
    std::vector<int> budget_;
    std::vector<CapturedReply> queue_;
};

struct TraceSetup {
    techniques::ScanContext ctx = context();
    net::ProbeTemplate tmpl = module_for(Technique::syn).make_template(ctx, Family::v4, 443).value();
    TraceTarget target(const char* a, std::uint8_t routers, std::uint8_t mac = 1) const {
        TraceTarget t;
        t.target = RawTarget{addr(a), {0, 0, 0, 0, 0, mac}, false, false};
        t.probe = RawColumn{443, &module_for(Technique::syn)};
        t.tmpl = &tmpl;
        t.routers = routers;
        t.srtt_us = 900;
        return t;
    }
};

std::vector<std::optional<Address>> hops(const std::vector<TraceHop>& path) {
    std::vector<std::optional<Address>> out;
    for (std::size_t i = 0; i < path.size(); ++i) {
        EXPECT_EQ(path[i].ttl, i + 1);
        out.push_back(path[i].address);
    }
    return out;
}

const Address kR1 = addr("198.18.0.1");
const Address kR2 = addr("198.18.7.2");

TEST(RawTrace, LeaderEveryTtlMembersLastRouterConsolidated) {
    TraceSetup s;
    FakeLink link(s.ctx, {kR1, kR2}, {100, 100});
    const auto r = trace_paths(link, s.ctx, {s.target("198.18.5.1", 2), s.target("198.18.5.2", 2), s.target("198.18.5.3", 2)},
                               std::chrono::milliseconds(30), {});
    ASSERT_TRUE(r.fatal_error.empty());
    EXPECT_EQ(r.probes_sent, 4U);  // TTL 1 and 2 to the first, TTL 2 to the others
    for (std::size_t i = 0; i < 3; ++i) {
        ASSERT_EQ(r.paths[i].size(), 3U);
        EXPECT_EQ(r.paths[i][0].address, kR1);
        EXPECT_EQ(r.paths[i][1].address, kR2);
        EXPECT_EQ(r.paths[i][2].rtt_us, 900U);
    }
    EXPECT_EQ(r.paths[2][2].address, addr("198.18.5.3"));
}

TEST(RawTrace, RateLimitedRouterLeavesHopsBlankNeverGuessed) {
    TraceSetup s;
    FakeLink link(s.ctx, {kR1, kR2}, {100, 2});  // the second router answers twice, then is silent
    const auto r = trace_paths(link, s.ctx, {s.target("198.18.5.1", 2), s.target("198.18.5.2", 2), s.target("198.18.5.3", 2)},
                               std::chrono::milliseconds(30), {});
    EXPECT_EQ(r.probes_sent, 6U);  // the unanswered probe is sent in each of the three rounds
    EXPECT_EQ(hops(r.paths[0]), (std::vector<std::optional<Address>>{kR1, kR2, addr("198.18.5.1")}));
    EXPECT_EQ(hops(r.paths[1]), (std::vector<std::optional<Address>>{kR1, kR2, addr("198.18.5.2")}));
    EXPECT_EQ(hops(r.paths[2]), (std::vector<std::optional<Address>>{std::nullopt, std::nullopt, addr("198.18.5.3")}));
}

TEST(RawTrace, GroupsByRouterCountAndFirstHop) {
    TraceSetup s;
    FakeLink link(s.ctx, {kR1, kR2}, {100, 100});
    const auto r = trace_paths(link, s.ctx,
                               {s.target("198.18.1.10", 1), s.target("198.18.5.1", 2), s.target("198.18.6.1", 0),
                                s.target("198.18.5.9", 2, 7)},
                               std::chrono::milliseconds(30), {});
    // 1 probe (TTL 1) for the one-router host, 2 for each two-router host with its own first hop,
    // none for the directly attached one.
    EXPECT_EQ(r.probes_sent, 5U);
    EXPECT_EQ(hops(r.paths[0]), (std::vector<std::optional<Address>>{kR1, addr("198.18.1.10")}));
    EXPECT_EQ(hops(r.paths[2]), (std::vector<std::optional<Address>>{addr("198.18.6.1")}));
    EXPECT_EQ(hops(r.paths[3]), (std::vector<std::optional<Address>>{kR1, kR2, addr("198.18.5.9")}));
    for (const auto& [dst, ttl] : link.sent) {
        EXPECT_GE(ttl, 1);
        EXPECT_LE(ttl, 2);
    }
}

}  // namespace
}  // namespace portwarden::engine

// The classifier against an independent restatement of nmap 7.93's rules (scanners.md 2.1-2.3),
// over every technique x response kind x ICMP type/code x source x window, and every errno.
// The pings (icmp_echo, icmp_timestamp) follow nmap's host discovery (-PE, -PP).
#include <gtest/gtest.h>

#include <array>
#include <cerrno>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "portwarden/classify.hpp"

namespace portwarden {
namespace {

constexpr std::array all_kinds{ResponseKind::none,       ResponseKind::syn_ack,
                               ResponseKind::syn,        ResponseKind::rst,
                               ResponseKind::udp_reply,  ResponseKind::icmp,
                               ResponseKind::echo_reply, ResponseKind::timestamp_reply};
constexpr std::array<std::uint16_t, 4> windows{0, 1, 1024, 65535};

std::vector<Technique> all_techniques() {
    std::vector<Technique> out;
    for (int i = 0; i < technique_count; ++i) {
        out.push_back(static_cast<Technique>(i));
    }
    return out;
}

std::string describe(const Verdict& v) {
    if (!v.resolved) {
        return std::string("unresolved(") + std::string(to_string(v.state)) + "/" +
               std::string(to_string(v.reason)) + (v.host_up ? ", up)" : ")");
    }
    return std::string(to_string(v.state)) + "/" + std::string(to_string(v.reason)) +
           (v.host_up ? " up" : " not-up");
}

std::string describe(Technique t, const Response& r) {
    static constexpr std::array kind_names{"none",      "syn_ack", "syn",        "rst",
                                           "udp_reply", "icmp",    "echo_reply", "timestamp_reply"};
    std::string out = std::string(to_string(t)) + " " +
                      kind_names.at(static_cast<std::size_t>(r.kind)) +
                      " win=" + std::to_string(r.tcp_window);
    if (r.kind == ResponseKind::icmp) {
        out += r.icmp_version == IcmpVersion::v4 ? " icmp4 " : " icmp6 ";
        out += std::to_string(r.icmp_type) + "/" + std::to_string(r.icmp_code);
    }
    return out + (r.from_target ? " from-target" : " from-other");
}

::testing::AssertionResult same(const Verdict& actual, const Verdict& expected) {
    if (actual == expected) {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure()
           << "got " << describe(actual) << ", expected " << describe(expected);
}

// ---- the expectation, restated from the facts (never calls the table) ----

constexpr Verdict nothing{};  // unresolved: ignored as a whole

Verdict yes(PortState s, Reason r, bool up) { return Verdict{true, s, r, up}; }

bool is_ping(Technique t) { return t == Technique::icmp_echo || t == Technique::icmp_timestamp; }

bool silent_means_open(Technique t) {
    static const std::set<Technique> techniques{Technique::fin, Technique::null, Technique::xmas,
                                                Technique::maimon, Technique::udp};
    return techniques.contains(t);
}

// (version, type, code) -> reason, for the ICMP errors that settle a probe.
using IcmpKey = std::tuple<IcmpVersion, int, int>;

std::map<IcmpKey, Reason> icmp_reasons() {
    std::map<IcmpKey, Reason> table{
        {{IcmpVersion::v4, 3, 0}, Reason::net_unreach},
        {{IcmpVersion::v4, 3, 1}, Reason::host_unreach},
        {{IcmpVersion::v4, 3, 2}, Reason::proto_unreach},
        {{IcmpVersion::v4, 3, 3}, Reason::port_unreach},
        {{IcmpVersion::v4, 3, 9}, Reason::net_prohibited},
        {{IcmpVersion::v4, 3, 10}, Reason::host_prohibited},
        {{IcmpVersion::v4, 3, 13}, Reason::admin_prohibited},
        {{IcmpVersion::v6, 1, 0}, Reason::no_route},
        {{IcmpVersion::v6, 1, 1}, Reason::admin_prohibited},
        {{IcmpVersion::v6, 1, 2}, Reason::beyond_scope},
        {{IcmpVersion::v6, 1, 3}, Reason::host_unreach},
        {{IcmpVersion::v6, 1, 4}, Reason::port_unreach},
        {{IcmpVersion::v6, 1, 5}, Reason::admin_prohibited},
        {{IcmpVersion::v6, 1, 6}, Reason::reject_route},
        {{IcmpVersion::v6, 4, 0}, Reason::param_problem},
        {{IcmpVersion::v6, 4, 1}, Reason::param_problem},
    };
    for (int code = 0; code <= 255; ++code) {
        table[{IcmpVersion::v4, 11, code}] = Reason::time_exceeded;
        table[{IcmpVersion::v6, 3, code}] = Reason::time_exceeded;
    }
    return table;
}

Verdict expected_icmp(Technique t, const Response& r) {
    static const std::map<IcmpKey, Reason> reasons = icmp_reasons();
    const auto found = reasons.find({r.icmp_version, r.icmp_type, r.icmp_code});
    if (found == reasons.end()) {
        return nothing;
    }
    const Reason reason = found->second;
    const bool v6_unknown_next_header =
        r.icmp_version == IcmpVersion::v6 && r.icmp_type == 4 && r.icmp_code == 1;
    // A ping answered with any known error by the target itself proves the host up.
    const bool up = r.from_target && (reason == Reason::port_unreach ||
                                      reason == Reason::proto_unreach || v6_unknown_next_header ||
                                      is_ping(t));
    if (reason == Reason::port_unreach && t == Technique::udp && r.from_target) {
        return yes(PortState::closed, reason, up);
    }
    return yes(PortState::filtered, reason, up);
}

Verdict expected_rst(Technique t, std::uint16_t window) {
    switch (t) {
        case Technique::udp:
        case Technique::icmp_echo:
        case Technique::icmp_timestamp: return nothing;
        case Technique::connect: return yes(PortState::closed, Reason::conn_refused, true);
        case Technique::ack: return yes(PortState::unfiltered, Reason::reset, true);
        case Technique::window:
            return yes(window == 0 ? PortState::closed : PortState::open, Reason::reset, true);
        default: return yes(PortState::closed, Reason::reset, true);
    }
}

Verdict expected(Technique t, const Response& r) {
    if (r.kind == ResponseKind::none) {
        return yes(silent_means_open(t) ? PortState::open_filtered : PortState::filtered,
                   Reason::no_response, false);
    }
    if (r.kind == ResponseKind::icmp) {
        return expected_icmp(t, r);
    }
    if (!r.from_target) {
        return nothing;
    }
    if (r.kind == ResponseKind::rst) {
        return expected_rst(t, r.tcp_window);
    }
    if (r.kind == ResponseKind::syn_ack && (t == Technique::syn || t == Technique::connect)) {
        return yes(PortState::open, Reason::syn_ack, true);
    }
    if (r.kind == ResponseKind::syn && t == Technique::syn) {
        return yes(PortState::open, Reason::split_handshake_syn, true);
    }
    if (r.kind == ResponseKind::udp_reply && t == Technique::udp) {
        return yes(PortState::open, Reason::udp_response, true);
    }
    if (r.kind == ResponseKind::echo_reply && t == Technique::icmp_echo) {
        return yes(PortState::open, Reason::echo_reply, true);
    }
    if (r.kind == ResponseKind::timestamp_reply && t == Technique::icmp_timestamp) {
        return yes(PortState::open, Reason::timestamp_reply, true);
    }
    return nothing;
}

// Runs `check` on every response worth trying; returns how many were tried.
template <class Check>
long for_every_response(Check check) {
    long count = 0;
    for (const Technique t : all_techniques()) {
        for (const ResponseKind kind : all_kinds) {
            for (const bool from_target : {true, false}) {
                for (const std::uint16_t window : windows) {
                    if (kind != ResponseKind::icmp) {
                        check(t, Response{.kind = kind, .tcp_window = window,
                                          .from_target = from_target});
                        ++count;
                        continue;
                    }
                    if (window > 1) {
                        continue;  // the window is meaningless for ICMP: two values suffice
                    }
                    for (const IcmpVersion version : {IcmpVersion::v4, IcmpVersion::v6}) {
                        for (int type = 0; type <= 255; ++type) {
                            for (int code = 0; code <= 255; ++code) {
                                check(t, Response{.kind = kind,
                                                  .tcp_window = window,
                                                  .icmp_version = version,
                                                  .icmp_type = static_cast<std::uint8_t>(type),
                                                  .icmp_code = static_cast<std::uint8_t>(code),
                                                  .from_target = from_target});
                                ++count;
                            }
                        }
                    }
                }
            }
        }
    }
    return count;
}

TEST(ClassifyTable, EveryCombinationMatchesTheFacts) {
    long mismatches = 0;
    const long tried = for_every_response([&](Technique t, const Response& r) {
        const Verdict actual = classify(t, r);
        const Verdict want = expected(t, r);
        if (actual != want) {
            ++mismatches;
            if (mismatches <= 20) {
                ADD_FAILURE() << describe(t, r) << ": " << same(actual, want).message();
            }
        }
    });
    EXPECT_EQ(mismatches, 0);
    EXPECT_EQ(tried, 11L * (7 * 2 * 4 + 2 * 2 * 2 * 256 * 256));
}

TEST(ClassifyTable, ResolvedVerdictsHaveAReasonAndUnresolvedOnesAreEmpty) {
    long bad = 0;
    long resolved = 0;
    for_every_response([&](Technique t, const Response& r) {
        const Verdict v = classify(t, r);
        resolved += v.resolved ? 1 : 0;
        const bool ok = v.resolved ? v.reason != Reason::unknown : v == Verdict{};
        if (!ok && ++bad <= 20) {
            ADD_FAILURE() << describe(t, r) << " gave " << describe(v);
        }
    });
    EXPECT_EQ(bad, 0);
    EXPECT_GT(resolved, 0);
}

TEST(ClassifyTable, HostUpOnlyFromTheTarget) {
    long bad = 0;
    for_every_response([&](Technique t, const Response& r) {
        const Verdict v = classify(t, r);
        if (v.host_up && (!r.from_target || r.kind == ResponseKind::none) && ++bad <= 20) {
            ADD_FAILURE() << describe(t, r) << " gave " << describe(v);
        }
    });
    EXPECT_EQ(bad, 0);
}

TEST(ClassifyTable, IcmpFieldsAreIgnoredForOtherKinds) {
    for (const Technique t : all_techniques()) {
        for (const ResponseKind kind : all_kinds) {
            if (kind == ResponseKind::icmp) {
                continue;
            }
            const Verdict plain = classify(t, Response{.kind = kind, .tcp_window = 7});
            for (const int type : {3, 11, 1, 4}) {
                const Response noisy{.kind = kind,
                                     .tcp_window = 7,
                                     .icmp_version = IcmpVersion::v6,
                                     .icmp_type = static_cast<std::uint8_t>(type),
                                     .icmp_code = 3};
                EXPECT_TRUE(same(classify(t, noisy), plain)) << describe(t, noisy);
            }
        }
    }
}

// ---- the famous rows, by name ----

Response tcp(ResponseKind kind, std::uint16_t window = 0) {
    return Response{.kind = kind, .tcp_window = window};
}

Response icmp4(int type, int code, bool from_target = true) {
    return Response{.kind = ResponseKind::icmp,
                    .icmp_version = IcmpVersion::v4,
                    .icmp_type = static_cast<std::uint8_t>(type),
                    .icmp_code = static_cast<std::uint8_t>(code),
                    .from_target = from_target};
}

Response icmp6(int type, int code, bool from_target = true) {
    Response r = icmp4(type, code, from_target);
    r.icmp_version = IcmpVersion::v6;
    return r;
}

void expect_row(Technique t, const Response& r, std::string_view state, std::string_view reason,
                bool host_up) {
    const Verdict v = classify(t, r);
    EXPECT_TRUE(v.resolved) << describe(t, r);
    EXPECT_EQ(to_string(v.state), state) << describe(t, r);
    EXPECT_EQ(to_string(v.reason), reason) << describe(t, r);
    EXPECT_EQ(v.host_up, host_up) << describe(t, r);
}

void expect_ignored(Technique t, const Response& r) {
    EXPECT_TRUE(same(classify(t, r), Verdict{})) << describe(t, r);
}

TEST(ClassifySyn, FamousRows) {
    expect_row(Technique::syn, tcp(ResponseKind::syn_ack), "open", "syn-ack", true);
    expect_row(Technique::syn, tcp(ResponseKind::syn), "open", "split-handshake-syn", true);
    expect_row(Technique::syn, tcp(ResponseKind::rst), "closed", "reset", true);
    expect_row(Technique::syn, tcp(ResponseKind::none), "filtered", "no-response", false);
    expect_row(Technique::syn, icmp4(3, 13), "filtered", "admin-prohibited", false);
    expect_row(Technique::syn, icmp4(3, 3), "filtered", "port-unreach", true);
    expect_ignored(Technique::syn, tcp(ResponseKind::udp_reply));
}

TEST(ClassifyConnect, FamousRows) {
    expect_row(Technique::connect, tcp(ResponseKind::syn_ack), "open", "syn-ack", true);
    expect_row(Technique::connect, tcp(ResponseKind::rst), "closed", "conn-refused", true);
    expect_row(Technique::connect, tcp(ResponseKind::none), "filtered", "no-response", false);
    // iptables REJECT (default icmp-port-unreachable) seen through IP_RECVERR: filtered, not closed.
    expect_row(Technique::connect, icmp4(3, 3), "filtered", "port-unreach", true);
    expect_row(Technique::connect, icmp6(1, 1), "filtered", "admin-prohibited", false);
    expect_ignored(Technique::connect, tcp(ResponseKind::syn));
}

TEST(ClassifyAck, FamousRows) {
    expect_row(Technique::ack, tcp(ResponseKind::rst), "unfiltered", "reset", true);
    expect_row(Technique::ack, tcp(ResponseKind::rst, 4096), "unfiltered", "reset", true);
    expect_row(Technique::ack, tcp(ResponseKind::none), "filtered", "no-response", false);
    expect_row(Technique::ack, icmp4(3, 10), "filtered", "host-prohibited", false);
    expect_ignored(Technique::ack, tcp(ResponseKind::syn_ack));
    expect_ignored(Technique::ack, tcp(ResponseKind::syn));
}

TEST(ClassifyWindow, FamousRows) {
    expect_row(Technique::window, tcp(ResponseKind::rst, 1024), "open", "reset", true);
    expect_row(Technique::window, tcp(ResponseKind::rst, 0), "closed", "reset", true);
    expect_row(Technique::window, tcp(ResponseKind::none), "filtered", "no-response", false);
    expect_ignored(Technique::window, tcp(ResponseKind::syn_ack, 1024));
}

TEST(ClassifyStealth, FinNullXmasMaimon) {
    for (const Technique t : {Technique::fin, Technique::null, Technique::xmas, Technique::maimon}) {
        expect_row(t, tcp(ResponseKind::rst), "closed", "reset", true);
        expect_row(t, tcp(ResponseKind::rst, 512), "closed", "reset", true);
        expect_row(t, tcp(ResponseKind::none), "open|filtered", "no-response", false);
        expect_row(t, icmp4(3, 1), "filtered", "host-unreach", false);
        expect_ignored(t, tcp(ResponseKind::syn_ack));
    }
}

TEST(ClassifyUdp, FamousRows) {
    expect_row(Technique::udp, tcp(ResponseKind::udp_reply), "open", "udp-response", true);
    expect_row(Technique::udp, tcp(ResponseKind::none), "open|filtered", "no-response", false);
    expect_row(Technique::udp, icmp4(3, 3), "closed", "port-unreach", true);
    expect_row(Technique::udp, icmp6(1, 4), "closed", "port-unreach", true);
    expect_row(Technique::udp, icmp4(3, 3, false), "filtered", "port-unreach", false);
    expect_row(Technique::udp, icmp6(1, 4, false), "filtered", "port-unreach", false);
    expect_row(Technique::udp, icmp4(3, 2), "filtered", "proto-unreach", true);
    expect_ignored(Technique::udp, tcp(ResponseKind::syn_ack));
    expect_ignored(Technique::udp, tcp(ResponseKind::rst));
    Response stranger = tcp(ResponseKind::udp_reply);
    stranger.from_target = false;
    expect_ignored(Technique::udp, stranger);
}

TEST(ClassifyIcmp, V4Codes) {
    expect_row(Technique::syn, icmp4(3, 0), "filtered", "net-unreach", false);
    expect_row(Technique::syn, icmp4(3, 1), "filtered", "host-unreach", false);
    expect_row(Technique::syn, icmp4(3, 2), "filtered", "proto-unreach", true);
    expect_row(Technique::syn, icmp4(3, 2, false), "filtered", "proto-unreach", false);
    expect_row(Technique::syn, icmp4(3, 9), "filtered", "net-prohibited", false);
    expect_row(Technique::syn, icmp4(3, 10), "filtered", "host-prohibited", false);
    expect_row(Technique::syn, icmp4(3, 13, false), "filtered", "admin-prohibited", false);
    expect_row(Technique::syn, icmp4(11, 0), "filtered", "time-exceeded", false);
    expect_row(Technique::syn, icmp4(11, 1, false), "filtered", "time-exceeded", false);
    for (const int code : {4, 5, 6, 7, 8, 11, 12, 14, 15}) {
        expect_ignored(Technique::syn, icmp4(3, code));
        expect_ignored(Technique::udp, icmp4(3, code));
    }
    expect_ignored(Technique::syn, icmp4(0, 0));   // echo reply
    expect_ignored(Technique::syn, icmp4(12, 0));  // parameter problem: nmap ignores it
    expect_ignored(Technique::syn, icmp4(4, 0));   // source quench
}

TEST(ClassifyIcmp, V6Codes) {
    expect_row(Technique::syn, icmp6(1, 0), "filtered", "no-route", false);
    expect_row(Technique::syn, icmp6(1, 1), "filtered", "admin-prohibited", false);
    expect_row(Technique::syn, icmp6(1, 2), "filtered", "beyond-scope", false);
    expect_row(Technique::syn, icmp6(1, 3), "filtered", "host-unreach", false);
    expect_row(Technique::syn, icmp6(1, 4), "filtered", "port-unreach", true);
    expect_row(Technique::syn, icmp6(1, 5), "filtered", "admin-prohibited", false);
    expect_row(Technique::syn, icmp6(1, 6), "filtered", "reject-route", false);
    expect_row(Technique::syn, icmp6(3, 0), "filtered", "time-exceeded", false);
    expect_row(Technique::syn, icmp6(4, 0), "filtered", "param-problem", false);
    expect_row(Technique::syn, icmp6(4, 1), "filtered", "param-problem", true);
    expect_row(Technique::syn, icmp6(4, 1, false), "filtered", "param-problem", false);
    expect_ignored(Technique::syn, icmp6(1, 7));
    expect_ignored(Technique::syn, icmp6(2, 0));  // packet too big
    expect_ignored(Technique::syn, icmp6(4, 2));
    expect_ignored(Technique::syn, icmp6(11, 0));  // v4's time-exceeded number means nothing in v6
    expect_ignored(Technique::syn, icmp6(128, 0));
}

TEST(ClassifyIcmp, SameAnswerForEveryTcpTechnique) {
    for (const Technique t : all_techniques()) {
        if (t == Technique::udp || is_ping(t)) {
            continue;
        }
        expect_row(t, icmp4(3, 3), "filtered", "port-unreach", true);
        expect_row(t, icmp6(1, 1), "filtered", "admin-prohibited", false);
    }
}

TEST(ClassifyTcp, RepliesFromAnotherAddressAreIgnored) {
    for (const Technique t : all_techniques()) {
        for (const ResponseKind kind :
             {ResponseKind::syn_ack, ResponseKind::syn, ResponseKind::rst, ResponseKind::udp_reply,
              ResponseKind::echo_reply, ResponseKind::timestamp_reply}) {
            Response r = tcp(kind, 100);
            r.from_target = false;
            expect_ignored(t, r);
        }
    }
}

TEST(ClassifyPing, EchoAndTimestampRows) {
    expect_row(Technique::icmp_echo, tcp(ResponseKind::echo_reply), "open", "echo-reply", true);
    expect_row(Technique::icmp_timestamp, tcp(ResponseKind::timestamp_reply), "open",
               "timestamp-reply", true);
    for (const Technique t : {Technique::icmp_echo, Technique::icmp_timestamp}) {
        expect_row(t, tcp(ResponseKind::none), "filtered", "no-response", false);
        // From the target itself: any error it knows proves the host up.
        expect_row(t, icmp4(3, 2), "filtered", "proto-unreach", true);
        expect_row(t, icmp4(3, 3), "filtered", "port-unreach", true);
        expect_row(t, icmp4(3, 13), "filtered", "admin-prohibited", true);
        expect_row(t, icmp6(1, 4), "filtered", "port-unreach", true);
        // From a router: settles the ping as a hint, the host is not proven up.
        expect_row(t, icmp4(3, 1, false), "filtered", "host-unreach", false);
        expect_row(t, icmp4(3, 0, false), "filtered", "net-unreach", false);
        expect_row(t, icmp4(3, 13, false), "filtered", "admin-prohibited", false);
        expect_row(t, icmp4(11, 0, false), "filtered", "time-exceeded", false);
        expect_row(t, icmp6(1, 3, false), "filtered", "host-unreach", false);
        expect_row(t, icmp6(1, 1, false), "filtered", "admin-prohibited", false);
        expect_ignored(t, icmp4(3, 4));  // codes the table does not know
        for (const ResponseKind kind : {ResponseKind::syn_ack, ResponseKind::syn, ResponseKind::rst,
                                        ResponseKind::udp_reply}) {
            expect_ignored(t, tcp(kind));
        }
    }
    expect_ignored(Technique::icmp_echo, tcp(ResponseKind::timestamp_reply));
    expect_ignored(Technique::icmp_timestamp, tcp(ResponseKind::echo_reply));
    for (const Technique t : all_techniques()) {
        if (!is_ping(t)) {
            expect_ignored(t, tcp(ResponseKind::echo_reply));
            expect_ignored(t, tcp(ResponseKind::timestamp_reply));
        }
    }
    EXPECT_EQ(to_string(Technique::icmp_echo), "icmp-echo");
    EXPECT_EQ(to_string(Technique::icmp_timestamp), "icmp-timestamp");
}

// ---- connect() errno ----

Verdict expected_errno(int err) {
    static const std::map<int, Verdict> known{
        {0, yes(PortState::open, Reason::syn_ack, true)},
        {ECONNREFUSED, yes(PortState::closed, Reason::conn_refused, true)},
        {ETIMEDOUT, yes(PortState::filtered, Reason::no_response, false)},
        {EHOSTDOWN, yes(PortState::filtered, Reason::no_response, false)},
        {EHOSTUNREACH, yes(PortState::filtered, Reason::host_unreach, false)},
        {ENETUNREACH, yes(PortState::filtered, Reason::net_unreach, false)},
        {EACCES, yes(PortState::filtered, Reason::admin_prohibited, false)},
        {EPERM, yes(PortState::filtered, Reason::admin_prohibited, false)},
        {ENOPROTOOPT, yes(PortState::filtered, Reason::proto_unreach, false)},
        {ENONET, yes(PortState::filtered, Reason::dest_unreach, false)},
    };
    const auto found = known.find(err);
    return found == known.end() ? nothing : found->second;
}

TEST(ClassifyErrno, EveryErrnoMatchesTheFacts) {
    for (int err = -1; err <= 200; ++err) {
        const Verdict v = classify_connect_errno(err);
        EXPECT_TRUE(same(v, expected_errno(err))) << "errno " << err;
        if (v.resolved) {
            EXPECT_NE(v.reason, Reason::unknown) << "errno " << err;
        }
    }
}

TEST(ClassifyErrno, FamousRows) {
    EXPECT_EQ(to_string(classify_connect_errno(0).reason), "syn-ack");
    EXPECT_EQ(to_string(classify_connect_errno(ECONNREFUSED).state), "closed");
    EXPECT_EQ(to_string(classify_connect_errno(ECONNREFUSED).reason), "conn-refused");
    EXPECT_EQ(to_string(classify_connect_errno(ETIMEDOUT).state), "filtered");
    EXPECT_EQ(to_string(classify_connect_errno(EHOSTUNREACH).reason), "host-unreach");
    for (const int local : {EADDRNOTAVAIL, ENOBUFS, EMFILE, ENFILE, ENETDOWN, ECONNABORTED,
                            ENETRESET, EINTR, EINPROGRESS, EALREADY, EISCONN}) {
        EXPECT_TRUE(same(classify_connect_errno(local), Verdict{})) << "errno " << local;
    }
}

}  // namespace
}  // namespace portwarden

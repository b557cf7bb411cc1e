#pragma once
// Who really answered (responder analysis): per host, a baseline of the replies that surely come
// from it, and the replies that break it — RSTs or SYN-ACKs forged by a middlebox on the path —,
// hosts that "open" nearly every port (tarpits, port-spoofers), and the devices whose ICMP
// errors filtered ports. A pure function of the facts the raw engine records per deciding reply.
//
// Why the farthest responder is the host: a middlebox that answers for the host sits between us
// and it, so its replies have travelled fewer hops (or start from another initial TTL). Of the
// groups of TCP replies from the target address with one TTL, the baseline is the farthest
// group that either holds a SYN-ACK or has at least two replies; a reply whose TTL differs
// from it was not sent by the machine that sent the baseline.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "portwarden/address.hpp"
#include "portwarden/state.hpp"

namespace portwarden {

enum class ReplyKind : std::uint8_t { syn_ack, rst, icmp, other };

// The deciding reply of one port, as the raw engine saw it.
struct ReplyFacts {
    Proto proto = Proto::tcp;
    std::uint16_t port = 0;
    ReplyKind kind = ReplyKind::other;
    Reason reason = Reason::unknown;
    std::uint8_t ttl = 0;
    std::optional<std::uint16_t> ip_id;  // IPv4 only
    std::uint16_t window = 0;            // TCP window
    std::uint16_t options = 0;           // digest of the TCP options' layout (kinds, MSS, wscale)
    std::optional<Address> responder;    // set when the reply came from another address
};

enum class Confidence : std::uint8_t { low, medium, high };
std::string_view to_string(Confidence c);
std::optional<Confidence> parse_confidence(std::string_view text);

// How a group of replies numbers its IP IDs (IPv4; IPv6 has none).
enum class IpIdBehaviour : std::uint8_t { none, zero, constant, varied };
std::string_view to_string(IpIdBehaviour b);

struct ResponderBaseline {
    std::uint8_t ttl = 0;
    std::uint8_t hops = 0;           // hops_from_ttl(ttl)
    bool from_syn_ack = false;       // the group holds SYN-ACKs (a handshake the host completed)
    std::uint32_t replies = 0;
    IpIdBehaviour rst_ip_id = IpIdBehaviour::none;
    IpIdBehaviour syn_ack_ip_id = IpIdBehaviour::none;
    std::optional<std::uint16_t> rst_window;  // when every RST of the group carries it
};

struct ForgedReply {
    Proto proto = Proto::tcp;
    std::uint16_t port = 0;
    ReplyKind kind = ReplyKind::rst;
    std::uint8_t ttl = 0;
    Confidence confidence = Confidence::low;
    std::string evidence;  // one line, plain language
};

struct PortSpoofer {
    bool tarpit = false;  // a tiny window on every SYN-ACK: it holds connections (LaBrea)
    Confidence confidence = Confidence::low;
    std::uint32_t open = 0;    // ports that answered SYN-ACK
    std::uint32_t probed = 0;  // TCP ports probed
    std::string evidence;
};

struct FilteringDevice {
    Address address;
    std::uint32_t ports = 0;
    std::vector<Reason> reasons;  // distinct, in first-seen order
};

struct ResponderReport {
    std::optional<ResponderBaseline> baseline;
    std::vector<ForgedReply> forged;  // sorted by (proto, port)
    std::optional<PortSpoofer> spoofer;
    std::vector<FilteringDevice> filters;

    bool has_findings() const { return !forged.empty() || spoofer || !filters.empty(); }
    const ForgedReply* forged_at(Proto proto, std::uint16_t port) const;
};

// `probed_tcp`: how many TCP ports of the host were probed with a SYN (for the spoofer test;
// 0 when the technique sends no SYN).
ResponderReport analyze_responders(std::span<const ReplyFacts> replies, std::uint32_t probed_tcp);

// One line per finding, for the normal output ("Responder: ..."); empty when there is none.
std::vector<std::string> responder_notes(const ResponderReport& report);

}  // namespace portwarden

#pragma once
// `portwarden watch`: a detector of port scans against this host, as a library.
//
// Feed it what the wire (or a firewall log) shows: every packet a remote source sends to a
// watched address (Probe), and every answer a watched address sends back (Answer). Per source it
// keeps, in a fixed-size table, the distinct (host, protocol, port) it tried and a threshold
// random walk (Jung, Paxson, Berger, Balakrishnan, "Fast Portscan Detection Using Sequential
// Hypothesis Testing", IEEE S&P 2004): every first contact with a (host, protocol, port) is a
// trial that succeeds (handshake completed, UDP or echo answered) or fails (RST, ICMP
// unreachable, no answer, a flag combination no connection uses, a firewall drop). The walk
// crosses ln(beta/alpha) -> scanner (one Alert per source and episode); it crosses
// ln((1-beta)/(1-alpha)) -> benign, and restarts from 0 (so a later scan is still caught).
// With the paper's theta0 = 0.8, theta1 = 0.2, alpha = 0.01, beta = 0.99 that is 4 failed first
// contacts more than successes (ln 99 / ln 4 = 3.3), however slowly they come.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "portwarden/address.hpp"

namespace portwarden::watch {

enum class Technique : std::uint8_t { unknown, syn, connect, fin, null, xmas, maimon, ack, udp, ping_sweep };
enum class Tool : std::uint8_t { unknown, nmap, masscan, zmap };

std::string_view technique_name(Technique technique);  // "syn", "connect", ... "ping-sweep"
std::string_view tool_name(Tool tool);                  // "unknown", "nmap", "masscan", "zmap"

// The shape of a TCP header's options (SYNs are what the fingerprints look at).
struct TcpOptions {
    std::uint8_t count = 0;  // options other than NOP / end-of-list
    std::uint16_t mss = 0;   // 0: no MSS option
    bool sack_permitted = false;
    bool timestamps = false;
    bool window_scale = false;
};

// A packet a remote source sent to a watched address. `time` is in seconds, from any origin
// (monotonic within one Detector).
struct Probe {
    double time = 0;
    Address src;
    Address dst;
    std::uint8_t protocol = 0;  // 6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;  // ICMP: 0
    std::uint8_t tcp_flags = 0;
    std::uint16_t window = 0;
    std::uint32_t seq = 0;
    std::uint16_t ip_id = 0;
    std::uint8_t ttl = 0;
    std::uint8_t icmp_type = 0;
    TcpOptions options;
    bool options_known = true;  // false for firewall log lines without OPT (...)
};

enum class AnswerKind : std::uint8_t {
    syn_ack,            // the port is open
    rst,                // closed (or, to an ACK probe, unfiltered)
    udp_reply,          // a UDP datagram back: open
    icmp_port_unreach,  // closed
    icmp_unreach,       // any other destination-unreachable: filtered
    echo_reply,         // an ICMP echo or timestamp reply: the host is up
};

// What a watched address sent back to a remote source (`peer`), from `host_port` to `peer_port`
// (ICMP errors: the ports of the datagram they quote).
struct Answer {
    double time = 0;
    Address host;
    Address peer;
    std::uint8_t protocol = 0;  // of the probe answered (ICMP errors: the quoted protocol)
    std::uint16_t host_port = 0;
    std::uint16_t peer_port = 0;
    AnswerKind kind = AnswerKind::rst;
};

struct Config {
    double theta0 = 0.8;   // P(first contact succeeds | benign), Jung et al.
    double theta1 = 0.2;   // P(first contact succeeds | scanner)
    double alpha = 0.01;   // false-positive rate the thresholds aim at
    double beta = 0.99;    // detection rate the thresholds aim at
    double answer_timeout = 0.5;  // s: an unanswered SYN / UDP / echo failed (filtered) by then
    double idle_expiry = 3600;    // s: a source silent this long starts afresh (slow scans: -T1 is 15 s)
    std::size_t table_slots = 16384;  // sources tracked at once; rounded up to a multiple of 8
    // Sources whose first contacts past the 16th are kept in an exact 65,536-bit set (8 KiB
    // each; the least recently seen holder gives its set up to a new one when all are taken).
    std::size_t wide_sets = 128;
};

struct Alert {
    // false: the decision (one per source and episode). true: the episode's end (the source
    // silent for idle_expiry, or finish()), with the totals: what the scanner learned.
    bool end = false;
    // true: a source decided by nmap's discovery probe set (ping-sweep / nmap) went on to scan
    // ports, decided by `decided_by` on the probes that followed, which name the technique and
    // tool (at most one per episode; the end alert names them too).
    bool update = false;
    Address src;
    Address dst;  // the first watched address it probed
    Technique technique = Technique::unknown;
    Tool tool = Tool::unknown;
    double first_seen = 0;  // time of its first probe this episode
    double time = 0;        // time of the decision
    std::uint32_t probes = 0;  // packets counted
    // Distinct (watched address, protocol, port) tried: exact for one address and protocol (up
    // to all 65,535 ports); several share the source's 65,536-bit set, so a low count once it
    // fills (and when the pool of sets ran out: Config::wide_sets).
    std::uint32_t ports = 0;
    std::uint32_t hosts = 0;   // distinct watched addresses tried (estimated: within ~10 %, to millions)
    std::uint32_t open = 0;      // answers that showed an open port / live host
    std::uint32_t closed = 0;    // RST / port unreachable
    std::uint32_t filtered = 0;  // no answer / other unreachable / firewall drop
    std::uint32_t failures = 0;
    std::uint32_t successes = 0;
    // "trw" (the walk), "fingerprint" (one masscan / zmap probe, see fingerprint.hpp) or
    // "nmap-discovery" (nmap -sn's probe set: echo, timestamp, SYN to 443, ACK to 80).
    std::string_view decided_by;
};

struct Stats {
    std::uint64_t probes = 0;
    std::uint64_t answers = 0;
    std::uint64_t sources = 0;    // tracked now
    std::uint64_t evictions = 0;  // sources pushed out of a full bucket
    std::uint64_t alerts = 0;
};

class Detector {
public:
    Detector(const Config& config, std::function<void(const Alert&)> on_alert);
    ~Detector();
    Detector(Detector&&) noexcept;
    Detector& operator=(Detector&&) noexcept;

    void probe(const Probe& probe);
    void answer(const Answer& answer);
    // A packet a firewall logged (its verdict is known at once: accepted is a success,
    // dropped/rejected a failure); no answers follow.
    void logged(const Probe& probe, bool accepted);
    // Resolves the answers that did not come in time; call it now and then (every ~100 ms).
    void tick(double now);
    // Ends every episode that alerted: one end Alert each (call when the watch stops).
    void finish(double now);

    Stats stats() const;
    // Bytes the detector holds, whatever it is fed: the table is allocated once.
    static std::size_t memory_bound(const Config& config);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Firewall log lines as the kernel writes them for iptables `-j LOG` and nftables `log`
// ("PREFIX IN=eth0 OUT= ... SRC=... DST=... PROTO=TCP SPT=... DPT=... SYN ..."), from dmesg,
// journald, syslog files: each one a Probe for Detector::logged().
struct LoggedPacket {
    Probe probe;
    // The rule's verdict as its prefix names it: a prefix containing "accept" or "allow" (any
    // case) logged an accepted packet (a success); any other prefix a dropped or rejected one.
    bool accepted = false;
    bool has_time = false;  // the line carried the kernel's "[seconds.micros]" stamp (probe.time)
};

// nullopt: not a firewall log line (no IN=, SRC=, DST= and PROTO=, or an address that does not
// parse). Protocols other than TCP, UDP, ICMP and ICMPv6 are returned with their number.
std::optional<LoggedPacket> parse_log_line(std::string_view line);

}  // namespace portwarden::watch

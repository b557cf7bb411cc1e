// pw_hostile: a test host that answers probes badly on purpose (issue #16 item 2).
//
//   pw_hostile --ifname IF --v4 ADDR --v6 ADDR --other4 ADDR --other6 ADDR
//              [--max-frames N] [--seconds S] [--stats FILE] [--pidfile FILE]
//
// Runs inside a namespace of its own test (tests/integration/hostile_test.py), on a veth with no
// address: the kernel there answers nothing, this program answers everything, through an
// AF_PACKET socket. It reads TCP and UDP probes to ADDR (v4 or v6) and answers as a Linux host
// would ("genuine" replies) with junk around them, chosen by the probed port p:
//   listening = (p / K) % 2 == 0   (K = kBehaviours): TCP SYN -> SYN-ACK, else RST; FIN/NULL/Xmas
//                                   -> nothing when listening, else RST; ACK -> RST; UDP -> a
//                                   UDP answer when listening, else ICMP port unreachable
//   behaviour = p % K, see the Behaviour enum: which junk, and whether the genuine reply is sent
// The test computes the truth from the same two rules. Junk always says the opposite of the
// genuine reply when it can, so a junk reply the scanner accepted shows as an invented state.
// Bounded: stops after --max-frames sent frames or --seconds, whichever first (and on SIGTERM);
// then writes one line per behaviour to --stats: "name genuine junk" (frames sent).
//
// Plain C++20 and Linux; no dependencies on portwarden (an independent implementation).
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using Bytes = std::vector<std::uint8_t>;
using Clock = std::chrono::steady_clock;

enum Behaviour : int {
    kGenuine,      // the genuine reply only (control)
    kTruncated,    // the opposite reply cut inside its L4 header; no genuine reply
    kMalformed,    // opposite replies with an impossible IHL / TCP data offset / UDP length; genuine
    kBadChecksum,  // the opposite reply, right cookie, wrong L4 checksum; no genuine reply
    kWrongCookie,  // the opposite reply with a wrong ack (TCP) or to an unused port (UDP); genuine
    kUnsolicited,  // SYN-ACK, RST, UDP to ports no probe came from; no genuine reply
    kOtherAddress, // the opposite reply, right cookie, from another address; no genuine reply
    kDuplicated,   // the genuine reply three times, held back 30 ms (after later probes' replies)
    kRstFlood,     // 40 RSTs with random seq/ack to the probe's port, then the genuine reply
    kIcmpGarbage,  // ICMP errors quoting garbage, a cut quote, a mangled probe; then genuine
    kLongChain,    // v6: the genuine reply behind 12 extension headers (over the bound), then plain;
                   // v4: the genuine reply with 40 bytes of IP options
    kTtl1,         // the genuine reply with TTL / hop limit 1
    kBehaviours
};
constexpr std::array<const char*, kBehaviours> kNames{
    "genuine", "truncated", "malformed", "bad-checksum", "wrong-cookie", "unsolicited",
    "other-address", "duplicated", "rst-flood", "icmp-garbage", "long-chain", "ttl-1"};

[[noreturn]] void die(const std::string& msg) {
    std::fprintf(stderr, "pw_hostile: %s\n", msg.c_str());
    std::exit(1);
}

std::uint16_t be16(const std::uint8_t* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }
std::uint32_t be32(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}
void put16(Bytes& b, std::size_t at, std::uint16_t v) {
    b[at] = static_cast<std::uint8_t>(v >> 8);
    b[at + 1] = static_cast<std::uint8_t>(v);
}
void put32(Bytes& b, std::size_t at, std::uint32_t v) {
    put16(b, at, static_cast<std::uint16_t>(v >> 16));
    put16(b, at + 2, static_cast<std::uint16_t>(v));
}

std::uint32_t sum_words(const std::uint8_t* p, std::size_t n, std::uint32_t sum = 0) {
    for (std::size_t i = 0; i + 1 < n; i += 2) {
        sum += be16(p + i);
    }
    if (n % 2 == 1) {
        sum += std::uint32_t{p[n - 1]} << 8;
    }
    return sum;
}
std::uint16_t fold(std::uint32_t sum) {
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return static_cast<std::uint16_t>(~sum);
}

struct Addr {
    bool v6 = false;
    std::array<std::uint8_t, 16> b{};
    std::size_t size() const { return v6 ? 16 : 4; }
    bool operator==(const Addr& o) const {
        return v6 == o.v6 && std::memcmp(b.data(), o.b.data(), size()) == 0;
    }
};

Addr parse_addr(const std::string& text) {
    Addr a;
    a.v6 = text.find(':') != std::string::npos;
    if (inet_pton(a.v6 ? AF_INET6 : AF_INET, text.c_str(), a.b.data()) != 1) {
        die("bad address '" + text + "'");
    }
    return a;
}

// The probe as read: addresses, ports, TCP fields, and its IP packet (for ICMP quotes).
struct Probe {
    Addr src, dst;
    std::array<std::uint8_t, 6> src_mac{}, dst_mac{};
    bool tcp = false;
    std::uint16_t sport = 0, dport = 0;
    std::uint32_t seq = 0, ack = 0;
    std::uint8_t flags = 0;
    std::size_t payload = 0;  // TCP/UDP payload bytes
    Bytes ip;                 // the whole IP packet
};

// One reply to build: an L4 segment (TCP/UDP/ICMP) plus how to wrap it.
struct Reply {
    std::uint8_t proto = 0;  // 6, 17, 1 or 58
    Bytes l4;                // checksum filled by finish()
    Addr from;
    std::uint8_t ttl = 64;
    int ext_headers = 0;     // v6: destination-options headers before L4
    bool ip_options = false; // v4: 40 bytes of options
    bool bad_checksum = false;
};

Bytes tcp_segment(std::uint16_t sport, std::uint16_t dport, std::uint32_t seq, std::uint32_t ack,
                  std::uint8_t flags) {
    Bytes t(20, 0);
    put16(t, 0, sport);
    put16(t, 2, dport);
    put32(t, 4, seq);
    put32(t, 8, ack);
    t[12] = 5 << 4;
    t[13] = flags;
    put16(t, 14, 29200);
    return t;
}

Bytes udp_datagram(std::uint16_t sport, std::uint16_t dport, std::string_view payload) {
    Bytes u(8 + payload.size(), 0);
    std::copy(payload.begin(), payload.end(), u.begin() + 8);
    put16(u, 0, sport);
    put16(u, 2, dport);
    put16(u, 4, static_cast<std::uint16_t>(u.size()));
    return u;
}

// ICMP destination unreachable (v4 type 3 / v6 type 1) of `code` quoting `quote`.
Bytes icmp_error(bool v6, std::uint8_t code, const Bytes& quote) {
    Bytes i(8, 0);
    i[0] = v6 ? 1 : 3;
    i[1] = code;
    const std::size_t keep = std::min<std::size_t>(quote.size(), v6 ? 1232 : 548);
    i.insert(i.end(), quote.begin(), quote.begin() + static_cast<std::ptrdiff_t>(keep));
    return i;
}

std::uint32_t pseudo_sum(const Addr& s, const Addr& d, std::uint8_t proto, std::size_t len) {
    std::uint32_t sum = sum_words(s.b.data(), s.size()) + sum_words(d.b.data(), d.size());
    return sum + proto + static_cast<std::uint32_t>(len & 0xffff) + static_cast<std::uint32_t>(len >> 16);
}

// The IP packet of a reply to `to` (checksums filled in).
Bytes ip_packet(Reply r, const Addr& to) {
    const std::size_t csum_at = r.proto == 6 ? 16 : r.proto == 17 ? 6 : 2;
    r.l4[csum_at] = 0;
    r.l4[csum_at + 1] = 0;
    const bool icmp4 = r.proto == 1;
    std::uint32_t sum = icmp4 ? 0 : pseudo_sum(r.from, to, r.proto, r.l4.size());
    std::uint16_t c = fold(sum_words(r.l4.data(), r.l4.size(), sum));
    if (r.proto == 17 && c == 0) {
        c = 0xffff;
    }
    if (r.bad_checksum) {
        c = static_cast<std::uint16_t>(c ^ 0x5a5a);
    }
    put16(r.l4, csum_at, c);
    Bytes ip;
    if (!r.from.v6) {
        const std::size_t hl = r.ip_options ? 60 : 20;
        ip.assign(hl, 0);
        ip[0] = static_cast<std::uint8_t>(0x40 | (hl / 4));
        put16(ip, 2, static_cast<std::uint16_t>(hl + r.l4.size()));
        ip[8] = r.ttl;
        ip[9] = r.proto;
        std::memcpy(&ip[12], r.from.b.data(), 4);
        std::memcpy(&ip[16], to.b.data(), 4);
        for (std::size_t i = 20; i < hl; ++i) {
            ip[i] = 1;  // NOP options
        }
        put16(ip, 10, fold(sum_words(ip.data(), hl)));
    } else {
        Bytes ext;
        for (int i = 0; i < r.ext_headers; ++i) {
            const std::uint8_t next = i + 1 < r.ext_headers ? 60 : r.proto;
            ext.insert(ext.end(), {next, 0, 1, 4, 0, 0, 0, 0});  // destination options: PadN
        }
        ip.assign(40, 0);
        ip[0] = 0x60;
        put16(ip, 4, static_cast<std::uint16_t>(ext.size() + r.l4.size()));
        ip[6] = r.ext_headers > 0 ? 60 : r.proto;
        ip[7] = r.ttl;
        std::memcpy(&ip[8], r.from.b.data(), 16);
        std::memcpy(&ip[24], to.b.data(), 16);
        ip.insert(ip.end(), ext.begin(), ext.end());
    }
    ip.insert(ip.end(), r.l4.begin(), r.l4.end());
    return ip;
}

struct Config {
    std::string ifname;
    Addr v4, v6, other4, other6;
    long max_frames = 200000;
    long seconds = 60;
    std::string stats, pidfile;
};

class Hostile {
public:
    Hostile(const Config& cfg, int fd, int ifindex) : cfg_(cfg), fd_(fd), ifindex_(ifindex) {}

    void on_frame(const std::uint8_t* f, std::size_t n);
    void flush_held(Clock::time_point now);
    bool exhausted() const { return sent_ >= cfg_.max_frames; }
    void write_stats() const;

private:
    std::optional<Probe> parse(const std::uint8_t* f, std::size_t n) const;
    void answer(const Probe& p);
    std::optional<Reply> genuine(const Probe& p, bool listening) const;
    std::optional<Reply> opposite(const Probe& p, bool listening) const;
    void send(const Probe& p, const Reply& r, bool is_genuine, int behaviour, std::size_t cut = 0,
              bool mangle_header = false);
    void send_frame(const Probe& p, const Bytes& ip, bool is_genuine, int behaviour);
    void junk_icmp(const Probe& p, int behaviour);

    const Config& cfg_;
    int fd_;
    int ifindex_;
    long sent_ = 0;
    std::uint32_t rng_ = 0x2545f491;
    std::array<long, kBehaviours> genuine_sent_{}, junk_sent_{};
    struct Held {
        Clock::time_point due;
        Probe probe;
        Bytes ip;
    };
    std::deque<Held> held_;

    std::uint32_t random() {
        rng_ ^= rng_ << 13;
        rng_ ^= rng_ >> 17;
        rng_ ^= rng_ << 5;
        return rng_;
    }
};

std::optional<Probe> Hostile::parse(const std::uint8_t* f, std::size_t n) const {
    if (n < 14) {
        return std::nullopt;
    }
    Probe p;
    std::memcpy(p.dst_mac.data(), f, 6);
    std::memcpy(p.src_mac.data(), f + 6, 6);
    const std::uint16_t type = be16(f + 12);
    const std::uint8_t* ip = f + 14;
    const std::size_t len = n - 14;
    std::size_t l4 = 0, ip_len = 0;
    std::uint8_t proto = 0;
    if (type == ETH_P_IP && len >= 20 && (ip[0] >> 4) == 4) {
        l4 = std::size_t{ip[0] & 0x0fu} * 4;
        ip_len = be16(ip + 2);
        proto = ip[9];
        p.src.v6 = p.dst.v6 = false;
        std::memcpy(p.src.b.data(), ip + 12, 4);
        std::memcpy(p.dst.b.data(), ip + 16, 4);
        if (!(p.dst == cfg_.v4)) {
            return std::nullopt;
        }
    } else if (type == ETH_P_IPV6 && len >= 40 && (ip[0] >> 4) == 6) {
        l4 = 40;
        ip_len = 40 + be16(ip + 4);
        proto = ip[6];  // our scanner sends no extension headers
        p.src.v6 = p.dst.v6 = true;
        std::memcpy(p.src.b.data(), ip + 8, 16);
        std::memcpy(p.dst.b.data(), ip + 24, 16);
        if (!(p.dst == cfg_.v6)) {
            return std::nullopt;
        }
    } else {
        return std::nullopt;
    }
    if (ip_len > len || l4 < 20 || l4 + 8 > ip_len || (proto != 6 && proto != 17)) {
        return std::nullopt;
    }
    p.tcp = proto == 6;
    p.sport = be16(ip + l4);
    p.dport = be16(ip + l4 + 2);
    if (p.tcp) {
        if (l4 + 20 > ip_len) {
            return std::nullopt;
        }
        p.seq = be32(ip + l4 + 4);
        p.ack = be32(ip + l4 + 8);
        p.flags = ip[l4 + 13];
        p.payload = ip_len - l4 - static_cast<std::size_t>(ip[l4 + 12] >> 4) * 4;
    } else {
        p.payload = ip_len - l4 - 8;
    }
    p.ip.assign(ip, ip + ip_len);
    return p;
}

constexpr std::uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kAck = 0x10;

// What a Linux host says: see the file comment. nullopt: it says nothing.
std::optional<Reply> Hostile::genuine(const Probe& p, bool listening) const {
    Reply r;
    r.from = p.dst;
    if (!p.tcp) {
        if (listening) {
            r.proto = 17;
            r.l4 = udp_datagram(p.dport, p.sport, "hostile");
        } else {
            r.proto = p.dst.v6 ? 58 : 1;
            r.l4 = icmp_error(p.dst.v6, p.dst.v6 ? 4 : 3, p.ip);  // port unreachable
        }
        return r;
    }
    r.proto = 6;
    const std::uint32_t end = p.seq + static_cast<std::uint32_t>(p.payload) + ((p.flags & kSyn) ? 1U : 0U) +
                              ((p.flags & kFin) ? 1U : 0U);
    if (p.flags & kRst) {
        return std::nullopt;
    }
    if (p.flags & kAck) {
        r.l4 = tcp_segment(p.dport, p.sport, p.ack, 0, kRst);  // RFC 793: RST, seq = SEG.ACK
    } else if ((p.flags & kSyn) && listening) {
        r.l4 = tcp_segment(p.dport, p.sport, 0x51a3c0de, end, kSyn | kAck);
    } else if (!(p.flags & kSyn) && listening) {
        return std::nullopt;  // FIN/NULL/Xmas to a listening port: dropped
    } else {
        r.l4 = tcp_segment(p.dport, p.sport, 0, end, kRst | kAck);
    }
    return r;
}

// A reply with a correct cookie that says the opposite of the genuine one.
std::optional<Reply> Hostile::opposite(const Probe& p, bool listening) const {
    if (auto o = genuine(p, !listening)) {
        return o;
    }
    // FIN to a closed port: the opposite of its RST is silence, so claim it open with a SYN-ACK.
    Reply r;
    r.from = p.dst;
    r.proto = 6;
    r.l4 = tcp_segment(p.dport, p.sport, 7, p.seq + 1, kSyn | kAck);
    return r;
}

void Hostile::send_frame(const Probe& p, const Bytes& ip, bool is_genuine, int behaviour) {
    if (exhausted()) {
        return;
    }
    Bytes frame(14);
    std::memcpy(frame.data(), p.src_mac.data(), 6);
    std::memcpy(frame.data() + 6, p.dst_mac.data(), 6);
    put16(frame, 12, p.dst.v6 ? ETH_P_IPV6 : ETH_P_IP);
    frame.insert(frame.end(), ip.begin(), ip.end());
    sockaddr_ll to{};
    to.sll_family = AF_PACKET;
    to.sll_ifindex = ifindex_;
    to.sll_halen = 6;
    std::memcpy(to.sll_addr, p.src_mac.data(), 6);
    if (::sendto(fd_, frame.data(), frame.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof(to)) < 0) {
        return;  // a full queue: the frame is lost, as on a real network
    }
    ++sent_;
    ++(is_genuine ? genuine_sent_ : junk_sent_)[static_cast<std::size_t>(behaviour)];
}

// cut: keep only the IP header and `cut` bytes of L4 (the IP length still claims all of it).
// mangle_header: an impossible IPv4 IHL / TCP data offset / UDP length.
void Hostile::send(const Probe& p, const Reply& r, bool is_genuine, int behaviour, std::size_t cut,
                   bool mangle_header) {
    Bytes ip = ip_packet(r, p.src);
    const std::size_t hl = r.from.v6 ? 40 + 8 * static_cast<std::size_t>(r.ext_headers)
                                     : std::size_t{ip[0] & 0x0fu} * 4;
    if (cut > 0) {
        ip.resize(hl + cut);
    }
    if (mangle_header) {
        if (r.proto == 6) {
            ip[hl + 12] = 0xf0;  // data offset 60 > the segment
        } else if (r.proto == 17) {
            put16(ip, hl + 4, 1400);  // UDP length past the packet
        } else if (!r.from.v6) {
            ip[0] = 0x4f;  // IHL 60 > the packet's header
        } else {
            put16(ip, 4, 9000);  // payload length past the frame
        }
    }
    send_frame(p, ip, is_genuine, behaviour);
}

void Hostile::junk_icmp(const Probe& p, int b) {
    Reply r;
    r.from = p.dst;
    r.proto = p.dst.v6 ? 58 : 1;
    Bytes garbage(48);
    for (auto& x : garbage) {
        x = static_cast<std::uint8_t>(random());
    }
    r.l4 = icmp_error(p.dst.v6, p.dst.v6 ? 1 : 13, garbage);  // admin-prohibited, garbage quote
    send(p, r, false, b);
    const std::size_t hl = p.dst.v6 ? 40 : std::size_t{p.ip[0] & 0x0fu} * 4;
    Bytes cut(p.ip.begin(), p.ip.begin() + static_cast<std::ptrdiff_t>(hl + 4));  // ports only
    r.l4 = icmp_error(p.dst.v6, p.dst.v6 ? 1 : 13, cut);
    send(p, r, false, b);
    Bytes mangled = p.ip;  // our probe, but its seq (TCP) or source port (UDP) is not ours
    if (p.tcp) {
        put32(mangled, hl + 4, p.seq ^ 0x00ff00ffU);
    } else {
        put16(mangled, hl, static_cast<std::uint16_t>(p.sport ^ 0x2000));
    }
    r.l4 = icmp_error(p.dst.v6, p.dst.v6 ? 1 : 13, mangled);
    send(p, r, false, b);
}

void Hostile::answer(const Probe& p) {
    const int b = p.dport % kBehaviours;
    const bool listening = (p.dport / kBehaviours) % 2 == 0;
    const auto real = genuine(p, listening);
    auto wrong = opposite(p, listening);
    const auto unused_port = static_cast<std::uint16_t>(32768 + (p.sport - 32768 + 8000) % 16384);
    switch (b) {
        case kTruncated:
            send(p, *wrong, false, b, wrong->proto == 6 ? 10 : 4);
            return;
        case kMalformed:
            send(p, *wrong, false, b, 0, true);
            break;
        case kBadChecksum:
            wrong->bad_checksum = true;
            send(p, *wrong, false, b);
            return;
        case kWrongCookie:
            if (wrong->proto == 6) {
                put32(wrong->l4, 8, be32(&wrong->l4[8]) + 1000);
                put32(wrong->l4, 4, be32(&wrong->l4[4]) + 1000);
            } else if (wrong->proto == 17) {
                put16(wrong->l4, 2, unused_port);
            } else {
                const std::size_t hl = p.dst.v6 ? 40 : std::size_t{p.ip[0] & 0x0fu} * 4;
                put16(wrong->l4, 8 + hl, unused_port);  // the quoted source port
            }
            send(p, *wrong, false, b);
            break;
        case kUnsolicited: {
            Reply r;
            r.from = p.dst;
            r.proto = 6;
            r.l4 = tcp_segment(p.dport, unused_port, 1, p.seq + 1, kSyn | kAck);
            send(p, r, false, b);
            r.l4 = tcp_segment(p.dport, unused_port, 0, p.seq + 1, kRst | kAck);
            send(p, r, false, b);
            r.proto = 17;
            r.l4 = udp_datagram(p.dport, unused_port, "unsolicited");
            send(p, r, false, b);
            return;
        }
        case kOtherAddress:
            wrong->from = p.dst.v6 ? cfg_.other6 : cfg_.other4;
            if (wrong->proto == 1 || wrong->proto == 58) {
                // an ICMP error from another address is a router's, and legitimate: send the
                // opposite as a UDP answer from the other address instead
                wrong->proto = 17;
                wrong->l4 = udp_datagram(p.dport, p.sport, "other");
            }
            send(p, *wrong, false, b);
            return;
        case kDuplicated:
            if (real) {
                const Bytes ip = ip_packet(*real, p.src);
                for (int i = 0; i < 3; ++i) {
                    held_.push_back(Held{Clock::now() + std::chrono::milliseconds(30 + 5 * i), p, ip});
                }
            }
            return;
        case kRstFlood:
            for (int i = 0; i < 40; ++i) {
                Reply r;
                r.from = p.dst;
                r.proto = 6;
                const std::uint32_t seq = random(), ack = random();
                r.l4 = tcp_segment(p.dport, p.sport, seq == p.ack ? seq + 1 : seq,
                                   ack == p.seq + 1 ? ack + 2 : ack, (i % 2 ? kAck : 0) | kRst);
                send(p, r, false, b);
            }
            break;
        case kIcmpGarbage:
            junk_icmp(p, b);
            break;
        case kLongChain:
            if (real && p.dst.v6) {
                Reply chained = *real;
                chained.ext_headers = 12;
                send(p, chained, false, b);
            } else if (real) {
                Reply optioned = *real;
                optioned.ip_options = true;
                send(p, optioned, true, b);
                return;
            }
            break;
        case kTtl1:
            if (real) {
                Reply low = *real;
                low.ttl = 1;
                send(p, low, true, b);
            }
            return;
        default:
            break;
    }
    if (real) {
        send(p, *real, true, b);
    }
}

void Hostile::on_frame(const std::uint8_t* f, std::size_t n) {
    // A RST is never a probe: it is the scanner's kernel refusing our SYN-ACKs (answering it
    // would loop).
    if (auto p = parse(f, n); p && !(p->tcp && (p->flags & kRst))) {
        answer(*p);
    }
}

void Hostile::flush_held(Clock::time_point now) {
    while (!held_.empty() && held_.front().due <= now) {
        send_frame(held_.front().probe, held_.front().ip, true, kDuplicated);
        held_.pop_front();
    }
}

void Hostile::write_stats() const {
    if (cfg_.stats.empty()) {
        return;
    }
    std::ofstream out(cfg_.stats);
    for (std::size_t b = 0; b < kBehaviours; ++b) {
        out << kNames[b] << ' ' << genuine_sent_[b] << ' ' << junk_sent_[b] << '\n';
    }
    if (!out) {
        die("cannot write " + cfg_.stats);
    }
}

Config parse_args(int argc, char** argv) {
    Config c;
    bool have4 = false, have6 = false, haveo4 = false, haveo6 = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (i + 1 >= argc) {
            die("missing value after " + std::string(a));
        }
        const std::string v = argv[++i];
        if (a == "--ifname") {
            c.ifname = v;
        } else if (a == "--v4") {
            c.v4 = parse_addr(v), have4 = !c.v4.v6;
        } else if (a == "--v6") {
            c.v6 = parse_addr(v), have6 = c.v6.v6;
        } else if (a == "--other4") {
            c.other4 = parse_addr(v), haveo4 = !c.other4.v6;
        } else if (a == "--other6") {
            c.other6 = parse_addr(v), haveo6 = c.other6.v6;
        } else if (a == "--max-frames") {
            c.max_frames = std::strtol(v.c_str(), nullptr, 10);
        } else if (a == "--seconds") {
            c.seconds = std::strtol(v.c_str(), nullptr, 10);
        } else if (a == "--stats") {
            c.stats = v;
        } else if (a == "--pidfile") {
            c.pidfile = v;
        } else {
            die("unknown option " + std::string(a));
        }
    }
    if (c.ifname.empty() || !have4 || !have6 || !haveo4 || !haveo6 || c.max_frames <= 0 || c.seconds <= 0 ||
        c.seconds > 600) {
        die("usage: pw_hostile --ifname IF --v4 A --v6 A --other4 A --other6 A [--max-frames N] "
            "[--seconds 1-600] [--stats FILE] [--pidfile FILE]");
    }
    return c;
}

}  // namespace

int main(int argc, char** argv) {
    const Config cfg = parse_args(argc, argv);
    const int fd = ::socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
    const auto ifindex = static_cast<int>(if_nametoindex(cfg.ifname.c_str()));
    if (fd < 0 || ifindex == 0) {
        die("cannot open a packet socket on " + cfg.ifname + ": " + std::strerror(errno));
    }
    sockaddr_ll bind_to{};
    bind_to.sll_family = AF_PACKET;
    bind_to.sll_protocol = htons(ETH_P_ALL);
    bind_to.sll_ifindex = ifindex;
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&bind_to), sizeof(bind_to)) < 0) {
        die("cannot bind to " + cfg.ifname + ": " + std::strerror(errno));
    }
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    sigprocmask(SIG_BLOCK, &stop, nullptr);
    if (!cfg.pidfile.empty()) {
        std::ofstream(cfg.pidfile + ".tmp") << getpid() << '\n';
        std::rename((cfg.pidfile + ".tmp").c_str(), cfg.pidfile.c_str());
    }
    Hostile hostile(cfg, fd, ifindex);
    const auto deadline = Clock::now() + std::chrono::seconds(cfg.seconds);
    std::array<std::uint8_t, 65536> buf{};
    const timespec no_wait{0, 0};
    while (Clock::now() < deadline && !hostile.exhausted() && sigtimedwait(&stop, nullptr, &no_wait) < 0) {
        pollfd pfd{fd, POLLIN, 0};
        ::poll(&pfd, 1, 5);
        for (;;) {
            sockaddr_ll from{};
            socklen_t from_len = sizeof(from);
            const ssize_t got = ::recvfrom(fd, buf.data(), buf.size(), MSG_DONTWAIT,
                                           reinterpret_cast<sockaddr*>(&from), &from_len);
            if (got <= 0) {
                break;
            }
            if (from.sll_pkttype != PACKET_OUTGOING) {
                hostile.on_frame(buf.data(), static_cast<std::size_t>(got));
            }
        }
        hostile.flush_held(Clock::now());
    }
    hostile.write_stats();
    ::close(fd);
    return 0;
}

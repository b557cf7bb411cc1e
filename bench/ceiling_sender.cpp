// ceiling_sender: the send-rate ceiling of one interface for the raw-engine benchmark.
//
//   ceiling_sender --iface IF --dst-mac MAC --src IP --dst IP [--dport N | --dports LO-HI]
//                  [--seconds S] [--batch N] [--count N] [--qdisc-bypass] [--shuffle]
//
// Sends identical 60-byte Ethernet frames (a 54-byte IPv4 TCP SYN, no options, padded with
// zeros to the 60-byte minimum) from IF to MAC with AF_PACKET sendmmsg() in batches of N
// (default 64) for S seconds (default 3, at most 60), then prints one line:
//   ceiling_sender: IF sent FRAMES frames in SECS s: RATE frames/s (ENOBUFS retries: K)
// --count N stops after N frames (or S seconds, whichever comes first): the bench uses it to
// time a fixed amount of work, e.g. 65535 SYNs to a closed port of the plain host, whose
// answering RSTs cost the machine what a scan's replies cost (the kernel floor of a scan).
// --dports LO-HI sends one SYN to each port LO..HI in turn (each from its own source port,
// 32768 + port % 16384, as a scan's), all built before the clock starts: the kernel floor of a
// scan of those ports, whose flows, unlike one repeated flow's, are each new to the kernel.
// Nothing else is done per frame (no checksum, no permutation, no receive): what the
// kernel's AF_PACKET path and the link take is the most any sender could reach on IF.
//
// Safety: it refuses any destination outside 198.18.0.0/15 and 127.0.0.0/8 (the test
// range's addresses and loopback). Needs CAP_NET_RAW. Plain C++20 and Linux; no deps.
#include <algorithm>
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

[[noreturn]] void die(const std::string& msg) {
    std::fprintf(stderr, "ceiling_sender: %s\n", msg.c_str());
    std::exit(1);
}

void usage(int code) {
    std::fprintf(code == 0 ? stdout : stderr,
                 "usage: ceiling_sender --iface IF --dst-mac MAC --src IP --dst IP\n"
                 "                      [--dport N | --dports LO-HI] [--seconds S] [--batch N]\n"
                 "                      [--count N] [--qdisc-bypass] [--shuffle]\n");
    std::exit(code);
}

long number(std::string_view text, long lo, long hi, const char* what) {
    long v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || v < lo || v > hi) {
        die(std::string("bad ") + what + " '" + std::string(text) + "' (" + std::to_string(lo) +
            ".." + std::to_string(hi) + ")");
    }
    return v;
}

std::array<std::uint8_t, 6> parse_mac(const std::string& text) {
    std::array<std::uint8_t, 6> mac{};
    unsigned v[6];
    char extra = 0;
    if (std::sscanf(text.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4],
                    &v[5], &extra) != 6) {
        die("bad MAC address '" + text + "'");
    }
    for (int i = 0; i < 6; ++i) { mac[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v[i]); }
    return mac;
}

in_addr parse_ip(const std::string& text) {
    in_addr a{};
    if (::inet_pton(AF_INET, text.c_str(), &a) != 1) { die("bad IPv4 address '" + text + "'"); }
    return a;
}

bool allowed_destination(in_addr a) {
    const std::uint32_t h = ntohl(a.s_addr);
    return (h & 0xfffe0000u) == 0xc6120000u ||  // 198.18.0.0/15
           (h & 0xff000000u) == 0x7f000000u;    // 127.0.0.0/8
}

std::uint16_t checksum(const std::uint8_t* data, std::size_t len, std::uint32_t sum = 0) {
    for (std::size_t i = 0; i + 1 < len; i += 2) {
        sum += static_cast<std::uint32_t>(data[i] << 8 | data[i + 1]);
    }
    if (len % 2 != 0) { sum += static_cast<std::uint32_t>(data[len - 1] << 8); }
    while (sum >> 16 != 0) { sum = (sum & 0xffffu) + (sum >> 16); }
    return static_cast<std::uint16_t>(~sum & 0xffffu);
}

void put16(std::uint8_t* p, std::uint16_t v) {
    p[0] = static_cast<std::uint8_t>(v >> 8);
    p[1] = static_cast<std::uint8_t>(v & 0xff);
}

// Ethernet + IPv4 + TCP SYN (no options), zero-padded to 60 bytes.
std::array<std::uint8_t, 60> build_frame(const std::array<std::uint8_t, 6>& dst_mac,
                                         const std::array<std::uint8_t, 6>& src_mac, in_addr src,
                                         in_addr dst, std::uint16_t dport,
                                         std::uint16_t sport = 40000) {
    std::array<std::uint8_t, 60> f{};
    std::memcpy(f.data(), dst_mac.data(), 6);
    std::memcpy(f.data() + 6, src_mac.data(), 6);
    put16(f.data() + 12, ETHERTYPE_IP);
    std::uint8_t* ip = f.data() + 14;
    ip[0] = 0x45;
    put16(ip + 2, 40);        // total length
    put16(ip + 4, 0x1234);    // id
    ip[8] = 64;               // ttl
    ip[9] = IPPROTO_TCP;
    std::memcpy(ip + 12, &src.s_addr, 4);
    std::memcpy(ip + 16, &dst.s_addr, 4);
    put16(ip + 10, checksum(ip, 20));
    std::uint8_t* tcp = ip + 20;
    put16(tcp, sport);        // source port
    put16(tcp + 2, dport);
    tcp[4] = 0x12; tcp[5] = 0x34; tcp[6] = 0x56; tcp[7] = 0x78;  // seq
    tcp[12] = 5 << 4;         // data offset
    tcp[13] = 0x02;           // SYN
    put16(tcp + 14, 1024);    // window
    // TCP checksum over the pseudo-header (src, dst, zero, proto, length 20) and the header.
    std::uint32_t sum = 0;
    for (int i = 0; i < 8; i += 2) { sum += static_cast<std::uint32_t>(ip[12 + i] << 8 | ip[13 + i]); }
    sum += IPPROTO_TCP + 20;
    put16(tcp + 16, checksum(tcp, 20, sum));
    return f;
}

}  // namespace

int main(int argc, char** argv) {
    std::string iface, dst_mac_text, src_text, dst_text;
    long dport = 80, seconds = 3, batch = 64, count = 0, dport_low = 0, dport_high = 0;
    bool bypass = false;
    bool shuffle = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) { die("option " + std::string(arg) + " needs a value"); }
            return argv[++i];
        };
        if (arg == "--iface") { iface = value(); }
        else if (arg == "--dst-mac") { dst_mac_text = value(); }
        else if (arg == "--src") { src_text = value(); }
        else if (arg == "--dst") { dst_text = value(); }
        else if (arg == "--dport") { dport = number(value(), 1, 65535, "--dport"); }
        else if (arg == "--dports") {
            const std::string range = value();
            const auto dash = range.find('-');
            if (dash == std::string::npos) { die("--dports: expected LO-HI, got " + range); }
            dport_low = number(range.substr(0, dash), 1, 65535, "--dports");
            dport_high = number(range.substr(dash + 1), dport_low, 65535, "--dports");
        }
        else if (arg == "--seconds") { seconds = number(value(), 1, 60, "--seconds"); }
        else if (arg == "--batch") { batch = number(value(), 1, 1024, "--batch"); }
        else if (arg == "--count") { count = number(value(), 1, 100000000, "--count"); }
        else if (arg == "--qdisc-bypass") { bypass = true; }
        else if (arg == "--shuffle") { shuffle = true; }
        else if (arg == "-h" || arg == "--help") { usage(0); }
        else { std::fprintf(stderr, "ceiling_sender: unknown argument '%s'\n", argv[i]); usage(2); }
    }
    if (iface.empty() || dst_mac_text.empty() || src_text.empty() || dst_text.empty()) { usage(2); }
    const auto dst_mac = parse_mac(dst_mac_text);
    const in_addr src = parse_ip(src_text);
    const in_addr dst = parse_ip(dst_text);
    if (!allowed_destination(dst)) {
        die("refusing destination " + dst_text + ": only 198.18.0.0/15 and 127.0.0.0/8");
    }

    const int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);  // protocol 0: send only
    if (fd < 0) { die(std::string("socket(AF_PACKET): ") + std::strerror(errno)); }
    ifreq ifr{};
    if (iface.size() >= sizeof ifr.ifr_name) { die("interface name too long: " + iface); }
    std::memcpy(ifr.ifr_name, iface.c_str(), iface.size());
    if (::ioctl(fd, SIOCGIFINDEX, &ifr) != 0) { die(iface + ": " + std::strerror(errno)); }
    const int ifindex = ifr.ifr_ifindex;
    if (::ioctl(fd, SIOCGIFHWADDR, &ifr) != 0) { die(iface + ": " + std::strerror(errno)); }
    std::array<std::uint8_t, 6> src_mac{};
    std::memcpy(src_mac.data(), ifr.ifr_hwaddr.sa_data, 6);
    if (bypass) {
        const int one = 1;
        if (::setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one) != 0) {
            die(std::string("PACKET_QDISC_BYPASS: ") + std::strerror(errno));
        }
    }
    sockaddr_ll sll{};
    sll.sll_family = AF_PACKET;
    sll.sll_ifindex = ifindex;
    sll.sll_protocol = htons(ETH_P_IP);
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&sll), sizeof sll) != 0) {
        die(std::string("bind(") + iface + "): " + std::strerror(errno));
    }

    // One frame (repeated), or one per port of --dports (each sent once, in port order).
    std::vector<std::array<std::uint8_t, 60>> frames;
    if (dport_low > 0) {
        for (long p = dport_low; p <= dport_high; ++p) {
            frames.push_back(build_frame(dst_mac, src_mac, src, dst, static_cast<std::uint16_t>(p),
                                         static_cast<std::uint16_t>(32768 + p % 16384)));
        }
        if (shuffle) {
            // Ports (and their source ports) in a fixed random order, as a scanner sends them.
            std::mt19937_64 rng(0x5eed);
            std::shuffle(frames.begin(), frames.end(), rng);
        }
        const auto all = static_cast<long>(frames.size());
        count = count > 0 ? std::min(count, all) : all;
    } else {
        frames.push_back(build_frame(dst_mac, src_mac, src, dst, static_cast<std::uint16_t>(dport)));
    }
    const auto n = static_cast<std::size_t>(batch);
    std::vector<iovec> iovs(frames.size());
    for (std::size_t i = 0; i < frames.size(); ++i) {
        iovs[i] = iovec{frames[i].data(), frames[i].size()};
    }
    std::vector<mmsghdr> msgs(n);
    // Points message k of the next call at frame (sent + k) (always frame 0 without --dports).
    const auto aim = [&](std::uint64_t sent, unsigned want) {
        for (unsigned k = 0; k < want; ++k) {
            msgs[k].msg_hdr = {};
            msgs[k].msg_hdr.msg_iov = &iovs[frames.size() == 1 ? 0 : (sent + k) % frames.size()];
            msgs[k].msg_hdr.msg_iovlen = 1;
        }
    };
    aim(0, static_cast<unsigned>(n));

    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    const auto stop = start + std::chrono::seconds(seconds);
    std::uint64_t sent = 0, retries = 0;
    auto now = start;
    const auto limit = count > 0 ? static_cast<std::uint64_t>(count) : UINT64_MAX;
    while (now < stop && sent < limit) {  // bounded by --seconds (at most 60) and --count
        for (int k = 0; k < 16 && sent < limit; ++k) {
            const auto want = static_cast<unsigned>(std::min<std::uint64_t>(n, limit - sent));
            if (frames.size() > 1) {
                aim(sent, want);
            }
            const int r = ::sendmmsg(fd, msgs.data(), want, 0);
            if (r > 0) {
                sent += static_cast<std::uint64_t>(r);
            } else if (r < 0 && (errno == ENOBUFS || errno == EAGAIN || errno == EINTR)) {
                ++retries;
            } else if (r < 0) {
                die(std::string("sendmmsg: ") + std::strerror(errno));
            }
        }
        now = clock::now();
    }
    const double secs = std::chrono::duration<double>(now - start).count();
    std::printf("ceiling_sender: %s sent %llu frames in %.3f s: %.0f frames/s (ENOBUFS retries: %llu)\n",
                iface.c_str(), static_cast<unsigned long long>(sent), secs,
                static_cast<double>(sent) / secs, static_cast<unsigned long long>(retries));
    ::close(fd);
    return 0;
}

// spoof_sender: a SYN flood from N distinct spoofed IPv6 sources, for watch_bench.sh (the memory
// of `portwarden watch` under a spoofed-source flood, and its packet rate).
//
//   spoof_sender --iface IF --dst-mac MAC --dst ADDR6 --count N [--dport P] [--seconds S] [--batch B]
//
// Sends N Ethernet frames, IPv6 TCP SYN to port P (default 80; no options, valid checksum), out of IF to
// MAC: frame i from source fd00:ffff::/96 + i (every source distinct) and its own source port,
// in sendmmsg() batches of B (default 64), then prints one line:
//   spoof_sender: IF sent FRAMES frames from FRAMES sources in SECS s: RATE frames/s
// Stops after N frames or S seconds (default 30, at most 60), whichever comes first.
//
// Safety: refuses a destination outside fd00::/8 and N above 2 000 000. The spoofed sources are
// in fd00:ffff::/96, which no namespace of the range routes: the host's answers die at the
// range's router. Run it only in a namespace of the test range. Needs CAP_NET_RAW.
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
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

using Frame = std::array<std::uint8_t, 74>;  // 14 Ethernet + 40 IPv6 + 20 TCP

[[noreturn]] void die(const std::string& msg) {
    std::fprintf(stderr, "spoof_sender: %s\n", msg.c_str());
    std::exit(1);
}

long number(const char* text, long lo, long hi, const char* what) {
    char* end = nullptr;
    const long v = std::strtol(text, &end, 10);
    if (*text == '\0' || *end != '\0' || v < lo || v > hi) {
        die(std::string("bad ") + what + " '" + text + "' (" + std::to_string(lo) + ".." + std::to_string(hi) + ")");
    }
    return v;
}

std::array<std::uint8_t, 6> parse_mac(const std::string& text) {
    std::array<std::uint8_t, 6> mac{};
    unsigned v[6];
    char extra = 0;
    if (std::sscanf(text.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &extra) != 6) {
        die("bad MAC address '" + text + "'");
    }
    for (std::size_t i = 0; i < 6; ++i) {
        mac[i] = static_cast<std::uint8_t>(v[i]);
    }
    return mac;
}

void put16(std::uint8_t* p, std::uint32_t v) {
    p[0] = static_cast<std::uint8_t>((v >> 8) & 0xff);
    p[1] = static_cast<std::uint8_t>(v & 0xff);
}

std::uint32_t sum16(const std::uint8_t* data, std::size_t len, std::uint32_t sum) {
    for (std::size_t i = 0; i + 1 < len; i += 2) {
        sum += static_cast<std::uint32_t>(data[i] << 8 | data[i + 1]);
    }
    return sum;
}

// Frame `i`: source fd00:ffff::<i + 1>, source port 1024 + i % 60000, sequence number i.
void build(Frame& f, std::uint32_t i, const std::array<std::uint8_t, 6>& dst_mac, const std::array<std::uint8_t, 6>& src_mac,
           const in6_addr& dst, std::uint32_t dport) {
    f.fill(0);
    std::memcpy(f.data(), dst_mac.data(), 6);
    std::memcpy(f.data() + 6, src_mac.data(), 6);
    put16(f.data() + 12, ETHERTYPE_IPV6);
    std::uint8_t* ip = f.data() + 14;
    ip[0] = 0x60;
    put16(ip + 4, 20);  // payload length
    ip[6] = IPPROTO_TCP;
    ip[7] = 64;  // hop limit
    ip[8] = 0xfd;
    ip[10] = 0xff;
    ip[11] = 0xff;
    const std::uint32_t host = i + 1;
    put16(ip + 20, host >> 16);
    put16(ip + 22, host);
    std::memcpy(ip + 24, &dst, 16);
    std::uint8_t* tcp = ip + 40;
    put16(tcp, 1024 + i % 60000);
    put16(tcp + 2, dport);
    put16(tcp + 4, i >> 16);
    put16(tcp + 6, i);
    tcp[12] = 5 << 4;
    tcp[13] = 0x02;  // SYN
    put16(tcp + 14, 29200);
    std::uint32_t sum = sum16(ip + 8, 32, IPPROTO_TCP + 20);  // pseudo-header: addresses, length, next header
    sum = sum16(tcp, 20, sum);
    while (sum >> 16 != 0) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    put16(tcp + 16, ~sum & 0xffff);
}

}  // namespace

int main(int argc, char** argv) {
    std::string iface;
    std::string dst_mac_text;
    std::string dst_text;
    long count = 0;
    long seconds = 30;
    long batch = 64;
    long dport = 80;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string_view arg = argv[i];
        if (arg == "--iface") iface = argv[i + 1];
        else if (arg == "--dst-mac") dst_mac_text = argv[i + 1];
        else if (arg == "--dst") dst_text = argv[i + 1];
        else if (arg == "--count") count = number(argv[i + 1], 1, 2000000, "--count");
        else if (arg == "--seconds") seconds = number(argv[i + 1], 1, 60, "--seconds");
        else if (arg == "--dport") dport = number(argv[i + 1], 1, 65535, "--dport");
        else if (arg == "--batch") batch = number(argv[i + 1], 1, 1024, "--batch");
        else die(std::string("unknown argument '") + argv[i] + "'");
    }
    if (iface.empty() || dst_mac_text.empty() || dst_text.empty() || count == 0) {
        die("usage: spoof_sender --iface IF --dst-mac MAC --dst ADDR6 --count N [--dport P] [--seconds S] [--batch B]");
    }
    in6_addr dst{};
    if (::inet_pton(AF_INET6, dst_text.c_str(), &dst) != 1 || dst.s6_addr[0] != 0xfd) {
        die("refusing destination '" + dst_text + "': only fd00::/8 (the test range)");
    }
    const auto dst_mac = parse_mac(dst_mac_text);
    const int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
    if (fd < 0) die(std::string("socket(AF_PACKET): ") + std::strerror(errno));
    ifreq ifr{};
    if (iface.size() >= sizeof ifr.ifr_name) die("interface name too long: " + iface);
    std::memcpy(ifr.ifr_name, iface.c_str(), iface.size());
    if (::ioctl(fd, SIOCGIFINDEX, &ifr) != 0) die(iface + ": " + std::strerror(errno));
    sockaddr_ll sll{};
    sll.sll_family = AF_PACKET;
    sll.sll_ifindex = ifr.ifr_ifindex;
    sll.sll_protocol = htons(ETH_P_IPV6);
    if (::ioctl(fd, SIOCGIFHWADDR, &ifr) != 0) die(iface + ": " + std::strerror(errno));
    std::array<std::uint8_t, 6> src_mac{};
    std::memcpy(src_mac.data(), ifr.ifr_hwaddr.sa_data, 6);
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&sll), sizeof sll) != 0) die(std::string("bind: ") + std::strerror(errno));

    const auto n = static_cast<std::size_t>(batch);
    std::vector<Frame> frames(n);
    std::vector<iovec> iovs(n);
    std::vector<mmsghdr> msgs(n);
    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    const auto stop = start + std::chrono::seconds(seconds);
    const auto limit = static_cast<std::uint32_t>(count);
    std::uint32_t sent = 0;
    while (sent < limit && clock::now() < stop) {  // bounded by --count and --seconds
        const auto want = static_cast<unsigned>(std::min<std::size_t>(n, limit - sent));
        for (unsigned k = 0; k < want; ++k) {
            build(frames[k], sent + k, dst_mac, src_mac, dst, static_cast<std::uint32_t>(dport));
            iovs[k] = iovec{frames[k].data(), frames[k].size()};
            msgs[k] = mmsghdr{};
            msgs[k].msg_hdr.msg_iov = &iovs[k];
            msgs[k].msg_hdr.msg_iovlen = 1;
        }
        const int r = ::sendmmsg(fd, msgs.data(), want, 0);
        if (r > 0) {
            sent += static_cast<std::uint32_t>(r);  // a short batch: the rest is rebuilt and sent next
        } else if (r < 0 && errno != ENOBUFS && errno != EAGAIN && errno != EINTR) {
            die(std::string("sendmmsg: ") + std::strerror(errno));
        } else {
            ::usleep(200);  // the queue is full: let the link drain
        }
    }
    const double secs = std::chrono::duration<double>(clock::now() - start).count();
    std::printf("spoof_sender: %s sent %u frames from %u sources in %.3f s: %.0f frames/s\n", iface.c_str(), sent, sent,
                secs, sent / secs);
    ::close(fd);
    return 0;
}

// pw_listen: the test range's listener (tests/range/range.sh starts one per host namespace).
//
//   pw_listen [--tcp PORTS] [--udp PORTS] [--pidfile FILE]
//
// PORTS is a comma-separated list of ports and ranges ("1,22,80-90,65535").
// Every socket is dual-stack: an AF_INET6 socket with IPV6_V6ONLY=0 bound to [::], so it
// answers on IPv4 and IPv6 alike. TCP listeners accept each connection and close it at once;
// UDP sockets echo every datagram back to its sender. Runs until SIGTERM or SIGINT (exit 0).
// If any socket cannot be created or bound, prints one line to stderr and exits 1 before
// serving anything. --pidfile is written (atomically) only once every socket listens, so it
// doubles as a readiness signal.
//
// Plain C++20 and POSIX/Linux (epoll, signalfd); no dependencies.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

[[noreturn]] void die(const std::string& msg) {
    std::fprintf(stderr, "pw_listen: %s\n", msg.c_str());
    std::exit(1);
}

std::string errno_text(int err) { return std::strerror(err); }

// Parses "1,22,80-90" into a list of ports (1..65535). Dies on malformed input.
std::vector<int> parse_ports(std::string_view spec, std::string_view what) {
    std::vector<int> ports;
    const std::string_view whole = spec;
    auto number = [&](std::string_view t) {
        int v = 0;
        auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
        if (t.empty() || ec != std::errc{} || end != t.data() + t.size() || v < 1 || v > 65535) {
            die("bad " + std::string(what) + " port '" + std::string(t) + "' in '" +
                std::string(whole) + "'");
        }
        return v;
    };
    while (!spec.empty()) {
        const auto comma = spec.find(',');
        const std::string_view item = spec.substr(0, comma);
        spec = comma == std::string_view::npos ? std::string_view{} : spec.substr(comma + 1);
        if (item.empty()) { continue; }
        const auto dash = item.find('-');
        if (dash == std::string_view::npos) {
            ports.push_back(number(item));
        } else {
            const int lo = number(item.substr(0, dash));
            const int hi = number(item.substr(dash + 1));
            if (hi < lo) { die("bad " + std::string(what) + " range '" + std::string(item) + "'"); }
            for (int p = lo; p <= hi; ++p) { ports.push_back(p); }
        }
    }
    return ports;
}

struct Sock {
    int fd;
    bool tcp;
    int port;
};

int open_socket(bool tcp, int port) {
    const char* proto = tcp ? "tcp" : "udp";
    auto fail = [&](const char* step, int err) -> int {
        die(std::string(step) + " " + proto + "/[::]:" + std::to_string(port) + ": " +
            errno_text(err));
    };
    const int fd = ::socket(AF_INET6, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) { return fail("socket", errno); }
    const int zero = 0;
    const int one = 1;
    if (::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero) != 0) {
        return fail("setsockopt(IPV6_V6ONLY=0)", errno);
    }
    if (tcp && ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) {
        return fail("setsockopt(SO_REUSEADDR)", errno);
    }
    sockaddr_in6 sa{};
    sa.sin6_family = AF_INET6;
    sa.sin6_addr = in6addr_any;
    sa.sin6_port = htons(static_cast<std::uint16_t>(port));
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) {
        return fail("bind", errno);
    }
    if (tcp && ::listen(fd, SOMAXCONN) != 0) { return fail("listen", errno); }
    return fd;
}

void write_pidfile(const std::string& path) {
    const std::string tmp = path + ".tmp";
    std::FILE* f = std::fopen(tmp.c_str(), "w");
    if (f == nullptr) { die("pidfile " + tmp + ": " + errno_text(errno)); }
    std::fprintf(f, "%ld\n", static_cast<long>(::getpid()));
    if (std::fclose(f) != 0) { die("pidfile " + tmp + ": " + errno_text(errno)); }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        die("pidfile " + path + ": " + errno_text(errno));
    }
}

void usage_and_exit(int code) {
    std::fprintf(code == 0 ? stdout : stderr,
                 "usage: pw_listen [--tcp PORTS] [--udp PORTS] [--pidfile FILE]\n"
                 "  PORTS: comma-separated ports and ranges, e.g. 1,22,80-90\n"
                 "  Dual-stack ([::], IPV6_V6ONLY=0). TCP: accept and close. UDP: echo.\n"
                 "  Runs until SIGTERM/SIGINT. Exits 1 with one line on stderr if a bind fails.\n");
    std::exit(code);
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<int> tcp_ports;
    std::vector<int> udp_ports;
    std::string pidfile;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        auto value = [&]() -> std::string_view {
            if (i + 1 >= argc) { die("option " + std::string(arg) + " needs a value"); }
            return argv[++i];
        };
        if (arg == "--tcp") {
            const auto more = parse_ports(value(), "tcp");
            tcp_ports.insert(tcp_ports.end(), more.begin(), more.end());
        } else if (arg == "--udp") {
            const auto more = parse_ports(value(), "udp");
            udp_ports.insert(udp_ports.end(), more.begin(), more.end());
        } else if (arg == "--pidfile") {
            pidfile = std::string(value());
        } else if (arg == "-h" || arg == "--help") {
            usage_and_exit(0);
        } else {
            std::fprintf(stderr, "pw_listen: unknown argument '%s'\n", argv[i]);
            usage_and_exit(2);
        }
    }
    if (tcp_ports.empty() && udp_ports.empty()) { die("nothing to listen on (give --tcp and/or --udp)"); }

    // Enough descriptors for every socket (ranges can be large).
    const std::size_t wanted = tcp_ports.size() + udp_ports.size() + 64;
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < wanted) {
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= wanted ? wanted : rl.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &rl);
    }

    // Signals arrive through a signalfd, so the loop below needs no async handlers.
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    if (::sigprocmask(SIG_BLOCK, &mask, nullptr) != 0) { die("sigprocmask: " + errno_text(errno)); }
    const int sfd = ::signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sfd < 0) { die("signalfd: " + errno_text(errno)); }
    ::signal(SIGPIPE, SIG_IGN);

    std::vector<Sock> socks;
    socks.reserve(tcp_ports.size() + udp_ports.size());
    for (const int p : tcp_ports) { socks.push_back({open_socket(true, p), true, p}); }
    for (const int p : udp_ports) { socks.push_back({open_socket(false, p), false, p}); }

    const int ep = ::epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) { die("epoll_create1: " + errno_text(errno)); }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = UINT64_MAX;  // the signalfd
    if (::epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev) != 0) { die("epoll_ctl: " + errno_text(errno)); }
    for (std::size_t i = 0; i < socks.size(); ++i) {
        ev.events = EPOLLIN;
        ev.data.u64 = i;
        if (::epoll_ctl(ep, EPOLL_CTL_ADD, socks[i].fd, &ev) != 0) {
            die("epoll_ctl: " + errno_text(errno));
        }
    }

    if (!pidfile.empty()) { write_pidfile(pidfile); }
    std::printf("pw_listen: pid %ld listening tcp=%zu udp=%zu\n", static_cast<long>(::getpid()),
                tcp_ports.size(), udp_ports.size());
    std::fflush(stdout);

    std::array<epoll_event, 64> events{};
    std::array<char, 65536> buf{};
    for (;;) {
        const int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), -1);
        if (n < 0) {
            if (errno == EINTR) { continue; }
            die("epoll_wait: " + errno_text(errno));
        }
        for (int k = 0; k < n; ++k) {
            const std::uint64_t id = events[static_cast<std::size_t>(k)].data.u64;
            if (id == UINT64_MAX) {
                signalfd_siginfo si{};
                if (::read(sfd, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
                    std::printf("pw_listen: signal %u, exiting\n", si.ssi_signo);
                    if (!pidfile.empty()) { ::unlink(pidfile.c_str()); }
                    return 0;
                }
                continue;
            }
            const Sock& s = socks[static_cast<std::size_t>(id)];
            if (s.tcp) {
                // Accept everything pending and close it at once.
                for (;;) {
                    const int c = ::accept4(s.fd, nullptr, nullptr, SOCK_CLOEXEC);
                    if (c < 0) { break; }
                    ::close(c);
                }
            } else {
                for (;;) {
                    sockaddr_in6 from{};
                    socklen_t len = sizeof from;
                    const ssize_t got = ::recvfrom(s.fd, buf.data(), buf.size(), 0,
                                                   reinterpret_cast<sockaddr*>(&from), &len);
                    if (got < 0) { break; }
                    ::sendto(s.fd, buf.data(), static_cast<std::size_t>(got), 0,
                             reinterpret_cast<const sockaddr*>(&from), len);
                }
            }
        }
    }
}

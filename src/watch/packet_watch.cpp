#include "watch/packet_watch.hpp"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "inventory/netns.hpp"
#include "io/packet_socket.hpp"
#include "watch/frame_events.hpp"

namespace portwarden::watch {

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

namespace {

// Every address of every interface of the current namespace: the watched addresses.
Result<std::set<Address>> local_addresses() {
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0) {
        return fail(fmt::format("cannot list the interfaces' addresses: {}", std::strerror(errno)));
    }
    std::set<Address> out;
    for (const ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
        if (i->ifa_addr == nullptr) {
            continue;
        }
        if (i->ifa_addr->sa_family == AF_INET) {
            sockaddr_in a{};
            std::memcpy(&a, i->ifa_addr, sizeof(a));
            out.insert(Address::from_v4(ntohl(a.sin_addr.s_addr)));
        } else if (i->ifa_addr->sa_family == AF_INET6) {
            sockaddr_in6 a{};
            std::memcpy(&a, i->ifa_addr, sizeof(a));
            std::array<std::uint8_t, 16> bytes{};
            std::memcpy(bytes.data(), &a.sin6_addr, bytes.size());
            out.insert(Address::from_v6(bytes));
        }
    }
    ::freeifaddrs(list);
    return out;
}

void dispatch(net::ConstBytes frame, net::LinkType link, const std::set<Address>& watched, Detector& detector,
              double now, CaptureCounters& counters) {
    ++counters.frames;
    const auto parsed = net::parse_frame(frame, link);
    if (!parsed) {
        ++counters.malformed;
        return;
    }
    const FrameEvent event = frame_event(frame, *parsed, watched, now);
    if (const auto* probe = std::get_if<Probe>(&event)) {
        detector.probe(*probe);
    } else if (const auto* answer = std::get_if<Answer>(&event)) {
        detector.answer(*answer);
    }
}

Result<CaptureCounters> capture(const CaptureOptions& options, Detector& detector,
                                std::chrono::steady_clock::time_point start, std::stop_token stop,
                                const std::function<void()>& ready) {
    const auto watched = local_addresses();
    if (!watched) {
        return tl::unexpected(watched.error());
    }
    int ifindex = 0;
    if (!options.interface.empty()) {
        ifindex = static_cast<int>(::if_nametoindex(options.interface.c_str()));
        if (ifindex == 0) {
            return fail(fmt::format("-i {}: no such interface{}", options.interface,
                                    options.netns.empty() ? "" : " in namespace '" + options.netns + "'"));
        }
    }
    io::RxOptions rx;
    rx.outgoing = true;
    rx.block_timeout = std::chrono::milliseconds(2);
    if (options.ring_mb < kMinRingMb || options.ring_mb > kMaxRingMb) {
        return fail(fmt::format("--ring-mb {}: not between {} and {}", options.ring_mb, kMinRingMb, kMaxRingMb));
    }
    rx.block_size = std::size_t{1} << 20;
    rx.block_count = options.ring_mb;
    auto socket = io::RxSocket::open(ifindex, io::LinkKind::ethernet, "tcp or udp or icmp or icmp6", rx);
    if (!socket) {
        return tl::unexpected(socket.error());
    }
    if (ready) {
        ready();
    }
    CaptureCounters counters;
    const net::LinkType link = socket->link_type();
    double last_tick = 0;
    while (!stop.stop_requested() && (options.duration <= 0 || seconds_since(start) < options.duration)) {
        const auto polled = socket->poll(std::chrono::milliseconds(50), [&](net::ConstBytes frame) {
            dispatch(frame, link, *watched, detector, seconds_since(start), counters);
        });
        if (!polled) {
            return tl::unexpected(polled.error());
        }
        const double now = seconds_since(start);
        if (now - last_tick >= 0.05) {  // a tick walks the whole table: not per block
            detector.tick(now);
            last_tick = now;
        }
    }
    detector.tick(seconds_since(start) + 1);  // the last probes' answers are overdue by now
    counters.drops += socket->take_stats().drops;
    return counters;
}

}  // namespace

Result<CaptureCounters> watch_packets(const CaptureOptions& options, Detector& detector,
                                      std::chrono::steady_clock::time_point start, std::stop_token stop,
                                      const std::function<void()>& ready) {
    if (options.netns.empty()) {
        return capture(options, detector, start, stop, ready);
    }
    const auto fd = inv::open_netns(options.netns);
    if (!fd) {
        return tl::unexpected(fd.error());
    }
    Result<CaptureCounters> result = fail("");
    std::thread worker([&] {
        // setns() moves only this thread; the socket it opens stays in the namespace.
        if (::setns(*fd, CLONE_NEWNET) != 0) {
            const int error = errno;
            result = fail(fmt::format("cannot enter network namespace '{}': {}{}", options.netns,
                                      std::strerror(error), error == EPERM ? " (needs CAP_SYS_ADMIN: run as root)" : ""));
            return;
        }
        result = capture(options, detector, start, stop, ready);
    });
    worker.join();
    ::close(*fd);
    return result;
}

}  // namespace portwarden::watch

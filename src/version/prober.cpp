// detect_versions: every open TCP port and every open or open|filtered UDP port walks its probe
// plan, all ports at once (up to VersionOptions::parallel), driven by one epoll loop. Each TCP
// probe gets a fresh connection (through TLS once a probe found SSL), each UDP probe a fresh
// connected UDP socket; a probe waits at most its totalwaitms for a response that settles the
// port.
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <deque>
#include <memory>

#include "io/connect_socket.hpp"
#include "portwarden/version.hpp"
#include "version/prober.hpp"
#include "version/tls_channel.hpp"
#include "version/udp_socket.hpp"

namespace portwarden {
namespace {

using Clock = std::chrono::steady_clock;
using version::Step;
using version::TlsIo;

enum class Phase : std::uint8_t { connecting, handshaking, reading };

struct Slot {
    Slot(version::PortProbing p, PortResult* r) : probing(std::move(p)), result(r) {}
    version::PortProbing probing;
    PortResult* result;  // the scan's port: a UDP port that answers becomes open
    int fd = -1;
    Phase phase = Phase::connecting;
    std::unique_ptr<version::TlsChannel> tls;
    Clock::time_point started;
    Clock::time_point deadline;
};

class Loop {
public:
    Loop(std::size_t parallel, std::stop_token stop, ServiceFindings& found)
        : epoll_(epoll_create1(EPOLL_CLOEXEC)), parallel_(std::max<std::size_t>(1, parallel)), stop_(std::move(stop)),
          found_(&found) {}
    Loop(const Loop&) = delete;
    Loop& operator=(const Loop&) = delete;
    ~Loop() {
        if (epoll_ >= 0) {
            close(epoll_);
        }
    }

    bool tls_usable() const { return tls_.usable(); }
    void run(std::deque<Slot>& slots);

private:
    // Opens the socket for the slot's next probe; false when the port is finished.
    bool start_probe(Slot& s, std::size_t index);
    bool start_udp(Slot& s, std::size_t index);
    void watch(Slot& s, std::size_t index, std::uint32_t events, int op = EPOLL_CTL_MOD);
    void end_probe(Slot& s);
    void finish(Slot& s);
    void next_or_finish(Slot& s, std::size_t index);
    void on_event(Slot& s, std::size_t index, std::uint32_t events);
    void on_connected(Slot& s, std::size_t index);
    void drive_handshake(Slot& s, std::size_t index);
    void read_some(Slot& s, std::size_t index);
    // Bytes for the current probe: false when the slot moved on (finished or restarted).
    bool deliver(Slot& s, std::size_t index, std::string_view bytes);
    void peer_closed(Slot& s, std::size_t index);

    int epoll_;
    std::size_t parallel_;
    std::stop_token stop_;
    ServiceFindings* found_;
    version::TlsContext tls_;
    std::size_t active_ = 0;
};

void Loop::watch(Slot& s, std::size_t index, std::uint32_t events, int op) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = index;
    epoll_ctl(epoll_, op, s.fd, &ev);
}

bool Loop::start_udp(Slot& s, std::size_t index) {
    s.fd = version::open_udp_probe(s.probing.address(), s.probing.port(), s.probing.current().payload);
    if (s.fd < 0) {
        return false;
    }
    watch(s, index, EPOLLIN, EPOLL_CTL_ADD);
    s.phase = Phase::reading;
    s.started = Clock::now();
    s.deadline = s.started + std::chrono::milliseconds(s.probing.current().totalwaitms);
    return true;
}

bool Loop::start_probe(Slot& s, std::size_t index) {
    const auto probe = s.probing.next_probe();
    if (!probe) {
        return false;
    }
    if (s.probing.proto() == Proto::udp) {
        return start_udp(s, index);
    }
    s.fd = io::open_probe_socket(s.probing.address().family());
    if (s.fd < 0) {
        return false;
    }
    const io::ConnectStart st = io::start_connect(s.fd, s.probing.address(), s.probing.port());
    if (st.status != io::ConnectStatus::local_error && !(st.status == io::ConnectStatus::done && st.error != 0)) {
        watch(s, index, EPOLLOUT | EPOLLIN | EPOLLRDHUP, EPOLL_CTL_ADD);
        s.phase = Phase::connecting;
        s.started = Clock::now();
        s.deadline = s.started + std::chrono::milliseconds(s.probing.current().totalwaitms);
        return true;
    }
    io::abort_close(s.fd);
    s.fd = -1;
    return false;  // refused now: the port is no longer open; nothing more to learn
}

void Loop::end_probe(Slot& s) {
    if (s.fd >= 0) {
        epoll_ctl(epoll_, EPOLL_CTL_DEL, s.fd, nullptr);
        s.tls.reset();
        if (s.probing.proto() == Proto::udp) {
            close(s.fd);
        } else {
            io::abort_close(s.fd);
        }
        s.fd = -1;
    }
}

void Loop::finish(Slot& s) {
    end_probe(s);
    if (s.probing.proto() == Proto::udp && s.probing.responded() && s.result->state != PortState::open) {
        s.result->state = PortState::open;  // nmap: a response means open|filtered is really open
        s.result->reason = Reason::udp_response;
    }
    if (auto info = s.probing.result()) {
        found_->add(s.probing.address(), s.probing.proto(), s.probing.port(), std::move(*info));
    }
    --active_;
}

void Loop::next_or_finish(Slot& s, std::size_t index) {
    end_probe(s);
    if (s.probing.done() || !start_probe(s, index)) {
        finish(s);
    }
}

bool Loop::deliver(Slot& s, std::size_t index, std::string_view bytes) {
    switch (s.probing.add_response(bytes)) {
    case Step::wait:
        return true;
    case Step::done:
        finish(s);
        return false;
    case Step::restart:  // SSL: the probes again, through TLS
        next_or_finish(s, index);
        return false;
    }
    return false;
}

void Loop::peer_closed(Slot& s, std::size_t index) {
    s.probing.peer_closed(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - s.started));
    next_or_finish(s, index);
}

void Loop::read_some(Slot& s, std::size_t index) {
    std::array<char, 8192> buf{};
    for (;;) {
        if (s.tls) {
            std::size_t got = 0;
            const TlsIo r = s.tls->read(buf.data(), buf.size(), got);
            if (r == TlsIo::ok) {
                if (!deliver(s, index, std::string_view(buf.data(), got))) {
                    return;
                }
                continue;
            }
            if (r == TlsIo::want_read || r == TlsIo::want_write) {
                return;
            }
            peer_closed(s, index);
            return;
        }
        const ssize_t n = recv(s.fd, buf.data(), buf.size(), 0);
        if (n > 0 || (n == 0 && s.probing.proto() == Proto::udp)) {
            if (!deliver(s, index, std::string_view(buf.data(), static_cast<std::size_t>(n)))) {
                return;
            }
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return;
        }
        if (s.probing.proto() == Proto::udp) {
            finish(s);  // ICMP port unreachable: closed now, nothing more to learn
            return;
        }
        peer_closed(s, index);  // EOF or a reset: this probe has said all it will
        return;
    }
}

void Loop::drive_handshake(Slot& s, std::size_t index) {
    switch (s.tls->handshake()) {
    case TlsIo::ok:
        if (s.tls->write(s.probing.current().payload) == TlsIo::failed) {
            peer_closed(s, index);
            return;
        }
        s.phase = Phase::reading;
        watch(s, index, EPOLLIN | EPOLLRDHUP);
        read_some(s, index);  // the handshake may have brought application data along
        return;
    case TlsIo::want_read:
        watch(s, index, EPOLLIN | EPOLLRDHUP);
        return;
    case TlsIo::want_write:
        watch(s, index, EPOLLOUT);
        return;
    case TlsIo::closed:
    case TlsIo::failed:
        peer_closed(s, index);
        return;
    }
}

void Loop::on_connected(Slot& s, std::size_t index) {
    if (s.probing.tunnel()) {
        s.tls = std::make_unique<version::TlsChannel>(tls_, s.fd);
        if (!s.tls->usable()) {
            next_or_finish(s, index);
            return;
        }
        s.phase = Phase::handshaking;
        drive_handshake(s, index);
        return;
    }
    const std::string& payload = s.probing.current().payload;
    if (!payload.empty()) {
        (void)send(s.fd, payload.data(), payload.size(), MSG_NOSIGNAL);
    }
    s.phase = Phase::reading;
    watch(s, index, EPOLLIN | EPOLLRDHUP);
}

void Loop::on_event(Slot& s, std::size_t index, std::uint32_t events) {
    if (s.phase == Phase::connecting) {
        const int status = io::finish_status(s.fd);
        if (status < 0) {
            return;
        }
        if (status != 0) {
            end_probe(s);
            finish(s);  // the port stopped accepting
            return;
        }
        // The probe's wait starts with the connection (nmap: currentprobe_exec_time).
        s.deadline = Clock::now() + std::chrono::milliseconds(s.probing.current().totalwaitms);
        on_connected(s, index);
        return;
    }
    if (s.phase == Phase::handshaking) {
        drive_handshake(s, index);
        return;
    }
    if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
        read_some(s, index);
    }
}

void Loop::run(std::deque<Slot>& slots) {
    std::size_t next = 0;
    std::array<epoll_event, 64> events{};
    for (;;) {
        while (active_ < parallel_ && next < slots.size()) {
            Slot& s = slots[next];
            ++active_;
            if (!start_probe(s, next)) {
                finish(s);
            }
            ++next;
        }
        if (active_ == 0) {
            return;
        }
        if (stop_.stop_requested()) {  // Ctrl-C: keep what was found, close the rest
            for (std::size_t i = 0; i < next; ++i) {
                end_probe(slots[i]);
            }
            return;
        }
        const auto now = Clock::now();
        auto wait = std::chrono::milliseconds(200);
        for (std::size_t i = 0; i < next; ++i) {
            if (slots[i].fd >= 0) {
                wait = std::min(wait, std::chrono::ceil<std::chrono::milliseconds>(
                                          std::max(slots[i].deadline - now, Clock::duration::zero())));
            }
        }
        const int n = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), static_cast<int>(wait.count()));
        for (int i = 0; i < n; ++i) {
            const auto& ev = events.at(static_cast<std::size_t>(i));
            Slot& s = slots.at(ev.data.u64);
            if (s.fd >= 0) {
                on_event(s, ev.data.u64, ev.events);
            }
        }
        const auto after = Clock::now();
        for (std::size_t i = 0; i < next; ++i) {
            Slot& s = slots[i];
            if (s.fd >= 0 && after >= s.deadline) {  // this probe's wait is over: the next one
                next_or_finish(s, i);
            }
        }
    }
}

}  // namespace

ServiceFindings detect_versions(std::vector<HostResult>& hosts, const ServiceProbes& probes,
                                const VersionOptions& options) {
    ServiceFindings found;
    Loop loop(options.parallel, options.stop, found);
    version::FingerprintHeader header;
    header.intensity = options.intensity;
    header.version = PW_VERSION;
    header.platform = version::build_platform();
    header.time = std::time(nullptr);
    // nmap: the open ports first, then the open|filtered UDP ones (speculative)
    std::deque<Slot> slots;
    for (const PortState state : {PortState::open, PortState::open_filtered}) {
        for (HostResult& host : hosts) {
            for (PortResult& p : host.ports) {
                if (p.state == state && (p.proto == Proto::udp || state == PortState::open)) {
                    header.port = p.port;
                    header.proto = p.proto;
                    const version::PortTarget target{host.address, p.proto, p.port, loop.tls_usable()};
                    slots.emplace_back(version::PortProbing(probes.db(), target, options.intensity, header), &p);
                }
            }
        }
    }
    loop.run(slots);
    return found;
}

}  // namespace portwarden

// detect_versions: every open TCP port walks its probe plan over plain connect() sockets, all
// ports at once (up to VersionOptions::parallel), driven by one epoll loop. Each probe gets a
// fresh connection and waits at most its totalwaitms for a response that settles the port.
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <deque>

#include "io/connect_socket.hpp"
#include "portwarden/version.hpp"
#include "version/prober.hpp"

namespace portwarden {
namespace {

using Clock = std::chrono::steady_clock;

struct Slot {
    Slot(version::PortProbing p, ServiceFindings* f) : probing(std::move(p)), found(f) {}
    version::PortProbing probing;
    ServiceFindings* found = nullptr;
    int fd = -1;
    bool connected = false;
    Clock::time_point started;
    Clock::time_point deadline;
};

class Loop {
public:
    Loop(std::size_t parallel, std::stop_token stop)
        : epoll_(epoll_create1(EPOLL_CLOEXEC)), parallel_(std::max<std::size_t>(1, parallel)), stop_(std::move(stop)) {}
    Loop(const Loop&) = delete;
    Loop& operator=(const Loop&) = delete;
    ~Loop() {
        if (epoll_ >= 0) {
            close(epoll_);
        }
    }

    void run(std::deque<Slot>& slots);

private:
    // Opens the connection for the slot's next probe; false when the port is finished.
    bool start_probe(Slot& s, std::size_t index);
    void end_probe(Slot& s);
    void finish(Slot& s);
    void on_event(Slot& s, std::size_t index, std::uint32_t events);
    void read_some(Slot& s, std::size_t index);

    int epoll_;
    std::size_t parallel_;
    std::stop_token stop_;
    std::size_t active_ = 0;
};

bool Loop::start_probe(Slot& s, std::size_t index) {
    for (;;) {
        const auto probe = s.probing.next_probe();
        if (!probe) {
            return false;
        }
        s.fd = io::open_probe_socket(s.probing.address().family());
        if (s.fd < 0) {
            return false;
        }
        const io::ConnectStart st = io::start_connect(s.fd, s.probing.address(), s.probing.port());
        if (st.status != io::ConnectStatus::local_error && !(st.status == io::ConnectStatus::done && st.error != 0)) {
            epoll_event ev{};
            ev.events = EPOLLOUT | EPOLLIN | EPOLLRDHUP;
            ev.data.u64 = index;
            epoll_ctl(epoll_, EPOLL_CTL_ADD, s.fd, &ev);
            s.connected = false;
            s.started = Clock::now();
            s.deadline = s.started + std::chrono::milliseconds(s.probing.current().totalwaitms);
            return true;
        }
        io::abort_close(s.fd);
        s.fd = -1;
        return false;  // refused now: the port is no longer open; nothing more to learn
    }
}

void Loop::end_probe(Slot& s) {
    if (s.fd >= 0) {
        epoll_ctl(epoll_, EPOLL_CTL_DEL, s.fd, nullptr);
        io::abort_close(s.fd);
        s.fd = -1;
    }
}

void Loop::finish(Slot& s) {
    end_probe(s);
    if (auto info = s.probing.result()) {
        s.found->add(s.probing.address(), Proto::tcp, s.probing.port(), std::move(*info));
    }
    --active_;
}

void Loop::read_some(Slot& s, std::size_t index) {
    std::array<char, 8192> buf{};
    for (;;) {
        const ssize_t n = recv(s.fd, buf.data(), buf.size(), 0);
        if (n > 0) {
            if (s.probing.add_response(std::string_view(buf.data(), static_cast<std::size_t>(n)))) {
                finish(s);
                return;
            }
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return;
        }
        // EOF or a reset: this probe has said all it will.
        s.probing.peer_closed(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - s.started));
        end_probe(s);
        if (s.probing.done() || !start_probe(s, index)) {
            finish(s);
        }
        return;
    }
}

void Loop::on_event(Slot& s, std::size_t index, std::uint32_t events) {
    if (!s.connected) {
        const int status = io::finish_status(s.fd);
        if (status < 0) {
            return;
        }
        if (status != 0) {
            finish(s);  // the port stopped accepting
            return;
        }
        s.connected = true;
        const std::string& payload = s.probing.current().payload;
        if (!payload.empty()) {
            (void)send(s.fd, payload.data(), payload.size(), MSG_NOSIGNAL);
        }
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLRDHUP;
        ev.data.u64 = index;
        epoll_ctl(epoll_, EPOLL_CTL_MOD, s.fd, &ev);
        s.deadline = Clock::now() + std::chrono::milliseconds(s.probing.current().totalwaitms);
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
            if (start_probe(s, next)) {
                ++active_;
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
                end_probe(s);
                if (!start_probe(s, i)) {
                    finish(s);
                }
            }
        }
    }
}

}  // namespace

ServiceFindings detect_versions(const std::vector<HostResult>& hosts, const ServiceProbes& probes,
                                const VersionOptions& options) {
    ServiceFindings found;
    std::deque<Slot> slots;
    for (const HostResult& host : hosts) {
        for (const PortResult& p : host.ports) {
            if (p.proto == Proto::tcp && p.state == PortState::open) {
                slots.emplace_back(version::PortProbing(probes.db(), host.address, p.port, options.intensity), &found);
            }
        }
    }
    Loop loop(options.parallel, options.stop);
    loop.run(slots);
    return found;
}

}  // namespace portwarden

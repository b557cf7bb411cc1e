#include "io/connect_socket.hpp"

#include <arpa/inet.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

namespace portwarden::io {
namespace {

struct SockAddr {
    sockaddr_storage storage{};
    socklen_t length = 0;
};

SockAddr to_sockaddr(const Address& address, std::uint16_t port) {
    SockAddr out;
    if (address.is_v4()) {
        sockaddr_in sin{};
        sin.sin_family = AF_INET;
        sin.sin_port = htons(port);
        std::memcpy(&sin.sin_addr, address.bytes().data(), 4);
        std::memcpy(&out.storage, &sin, sizeof sin);
        out.length = sizeof sin;
    } else {
        sockaddr_in6 sin6{};
        sin6.sin6_family = AF_INET6;
        sin6.sin6_port = htons(port);
        std::memcpy(&sin6.sin6_addr, address.bytes().data(), 16);
        std::memcpy(&out.storage, &sin6, sizeof sin6);
        out.length = sizeof sin6;
    }
    return out;
}

std::optional<Address> from_sockaddr(const sockaddr_storage& storage) {
    if (storage.ss_family == AF_INET) {
        sockaddr_in sin{};
        std::memcpy(&sin, &storage, sizeof sin);
        return Address::from_v4(ntohl(sin.sin_addr.s_addr));
    }
    if (storage.ss_family == AF_INET6) {
        sockaddr_in6 sin6{};
        std::memcpy(&sin6, &storage, sizeof sin6);
        std::array<std::uint8_t, 16> bytes{};
        std::memcpy(bytes.data(), &sin6.sin6_addr, 16);
        return Address::from_v6(bytes);
    }
    return std::nullopt;
}

std::uint16_t port_of(const sockaddr_storage& storage) {
    if (storage.ss_family == AF_INET) {
        sockaddr_in sin{};
        std::memcpy(&sin, &storage, sizeof sin);
        return ntohs(sin.sin_port);
    }
    sockaddr_in6 sin6{};
    std::memcpy(&sin6, &storage, sizeof sin6);
    return ntohs(sin6.sin6_port);
}

void set_int_option(int fd, int level, int name, int value) {
    (void)setsockopt(fd, level, name, &value, sizeof value);
}

}  // namespace

int open_probe_socket(Family family) {
    const bool v4 = family == Family::v4;
    const int fd = socket(v4 ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    if (v4) {
        set_int_option(fd, SOL_IP, IP_RECVERR, 1);
    } else {
        set_int_option(fd, SOL_IPV6, IPV6_RECVERR, 1);
    }
    const linger abort_linger{1, 0};
    (void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_linger, sizeof abort_linger);
    // One SYN per attempt: the engine owns retransmission (and its timing), not the kernel.
    set_int_option(fd, IPPROTO_TCP, TCP_SYNCNT, 1);
    return fd;
}

ConnectStart start_connect(int fd, const Address& address, std::uint16_t port) {
    const SockAddr target = to_sockaddr(address, port);
    // sockaddr_storage is designed to be passed as a sockaddr*.
    const int rc = connect(fd, static_cast<const sockaddr*>(static_cast<const void*>(&target.storage)),
                           target.length);
    if (rc == 0) {
        return {ConnectStatus::done, 0};
    }
    const int err = errno;
    if (err == EINPROGRESS) {
        return {ConnectStatus::in_progress, 0};
    }
    if (err == EADDRNOTAVAIL || err == ENOBUFS || err == ENOMEM || err == EAGAIN || err == EALREADY ||
        err == EISCONN) {
        return {ConnectStatus::local_error, err};
    }
    return {ConnectStatus::done, err};
}

bool reset_for_reuse(int fd) {
    sockaddr unspec{};
    unspec.sa_family = AF_UNSPEC;
    return connect(fd, &unspec, sizeof unspec) == 0;
}

int finish_status(int fd) {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
        return errno;
    }
    if (err != 0) {
        return err;
    }
    sockaddr_storage peer{};
    socklen_t peer_len = sizeof peer;
    if (getpeername(fd, static_cast<sockaddr*>(static_cast<void*>(&peer)), &peer_len) == 0) {
        return 0;
    }
    return errno == ENOTCONN ? -1 : errno;
}

std::optional<IcmpError> read_icmp_error(int fd) {
    std::array<std::uint8_t, 512> control{};
    std::array<std::uint8_t, 64> data{};
    iovec iov{data.data(), data.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    if (recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) {
        return std::nullopt;
    }
    for (cmsghdr* cm = CMSG_FIRSTHDR(&msg); cm != nullptr; cm = CMSG_NXTHDR(&msg, cm)) {
        const bool v4 = cm->cmsg_level == SOL_IP && cm->cmsg_type == IP_RECVERR;
        const bool v6 = cm->cmsg_level == SOL_IPV6 && cm->cmsg_type == IPV6_RECVERR;
        if (!v4 && !v6) {
            continue;
        }
        const std::size_t payload = cm->cmsg_len - CMSG_LEN(0);
        if (payload < sizeof(sock_extended_err)) {
            continue;
        }
        const unsigned char* raw = CMSG_DATA(cm);
        sock_extended_err ee{};
        std::memcpy(&ee, raw, sizeof ee);
        if (ee.ee_origin != SO_EE_ORIGIN_ICMP && ee.ee_origin != SO_EE_ORIGIN_ICMP6) {
            continue;
        }
        IcmpError out;
        out.version = ee.ee_origin == SO_EE_ORIGIN_ICMP ? IcmpVersion::v4 : IcmpVersion::v6;
        out.type = ee.ee_type;
        out.code = ee.ee_code;
        // The offender's sockaddr follows the extended error (SO_EE_OFFENDER).
        const std::size_t after = payload - sizeof ee;
        sockaddr_storage offender{};
        std::memcpy(&offender, raw + sizeof ee, std::min(after, sizeof offender));
        out.offender = from_sockaddr(offender);
        return out;
    }
    return std::nullopt;
}

void drain_errors(int fd) {
    int err = 0;
    socklen_t len = sizeof err;
    (void)getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    for (int i = 0; i < 8 && read_icmp_error(fd); ++i) {
    }
}

bool is_self_connect(int fd) {
    sockaddr_storage local{};
    sockaddr_storage peer{};
    socklen_t local_len = sizeof local;
    socklen_t peer_len = sizeof peer;
    if (getsockname(fd, static_cast<sockaddr*>(static_cast<void*>(&local)), &local_len) != 0 ||
        getpeername(fd, static_cast<sockaddr*>(static_cast<void*>(&peer)), &peer_len) != 0) {
        return false;
    }
    return port_of(local) == port_of(peer) && from_sockaddr(local) == from_sockaddr(peer);
}

void abort_close(int fd) {
    if (fd >= 0) {
        ::close(fd);
    }
}

}  // namespace portwarden::io

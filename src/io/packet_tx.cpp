// TxSocket and frame_link_type.
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <utility>

#include "io/packet_detail.hpp"
#include "io/packet_socket.hpp"

namespace portwarden::io {

namespace {

constexpr std::size_t kBatch = 256;   // messages per sendmmsg() (the kernel allows 1024)
constexpr int kSendBuffer = 4 << 20;  // bytes of frames the kernel may hold for us
constexpr std::size_t kIpv4MinHeader = 20;
constexpr std::size_t kIpv4TotalLength = 2;
constexpr std::size_t kIpv4Dst = 16;

// The ethertype of a raw-IP frame from its version nibble; 0 when it is neither v4 nor v6.
std::uint16_t raw_ip_protocol(net::ConstBytes frame) {
    const auto version = net::load_u8(frame, 0).value_or(0) >> 4;
    return version == 4 ? ETH_P_IP : version == 6 ? ETH_P_IPV6 : 0;
}

bool is_ipv4_ethernet(net::ConstBytes frame) {
    return net::load_be16(frame, 12) == ETH_P_IP;
}

// The IPv4 packet inside an Ethernet frame, without link padding; nullopt when malformed.
std::optional<net::ConstBytes> ipv4_packet(net::ConstBytes frame) {
    const auto total = net::load_be16(frame, net::kEthernetHeader + kIpv4TotalLength);
    if (!total || *total < kIpv4MinHeader) {
        return std::nullopt;
    }
    return net::slice(frame, net::kEthernetHeader, *total);
}

void close_fd(int& fd) {
    if (fd >= 0) {
        ::close(fd);
        fd = -1;
    }
}

std::string frame_error(int ifindex, std::size_t index, const char* what) {
    return detail::socket_error(ifindex, "send", EINVAL) + " (frame " + std::to_string(index) +
           " " + what + ")";
}

}  // namespace

net::LinkType frame_link_type(LinkKind kind) {
    return kind == LinkKind::raw_ip ? net::LinkType::raw_ip : net::LinkType::ethernet;
}

Result<TxSocket> TxSocket::open(int ifindex, LinkKind kind) {
    const auto fd = detail::open_packet_socket(ifindex, kind == LinkKind::raw_ip ? SOCK_DGRAM
                                                                                 : SOCK_RAW);
    if (!fd) {
        return tl::unexpected(fd.error());
    }
    TxSocket socket(*fd, ifindex, kind);
    // Straight to the driver, skipping the qdisc: faster, but taps on this host (tcpdump)
    // then no longer see our frames. Not every kernel or device allows it.
    (void)detail::set_int_option(*fd, SOL_PACKET, PACKET_QDISC_BYPASS, 1);
    if (!detail::set_int_option(*fd, SOL_SOCKET, SO_SNDBUFFORCE, kSendBuffer)) {
        (void)detail::set_int_option(*fd, SOL_SOCKET, SO_SNDBUF, kSendBuffer);
    }
    const auto bound = detail::bind_packet_socket(*fd, ifindex, 0);
    if (!bound) {
        return tl::unexpected(bound.error());
    }
    if (kind == LinkKind::loopback) {
        // IPPROTO_RAW: send-only, header included. Not bound to lo (SO_BINDTODEVICE): a
        // local address of another interface has its local route on that interface, and a
        // lookup forced onto lo would then miss it. The kernel routes local addresses via lo.
        socket.ip4_fd_ = ::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
        if (socket.ip4_fd_ < 0) {
            return fail(detail::socket_error(ifindex, "raw IPv4 socket", errno));
        }
        (void)detail::set_int_option(socket.ip4_fd_, SOL_SOCKET, SO_SNDBUF, kSendBuffer);
    }
    return socket;
}

TxSocket::TxSocket(TxSocket&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      ifindex_(other.ifindex_),
      kind_(other.kind_),
      ip4_fd_(std::exchange(other.ip4_fd_, -1)) {}

TxSocket& TxSocket::operator=(TxSocket&& other) noexcept {
    if (this != &other) {
        close_fd(fd_);
        close_fd(ip4_fd_);
        fd_ = std::exchange(other.fd_, -1);
        ifindex_ = other.ifindex_;
        kind_ = other.kind_;
        ip4_fd_ = std::exchange(other.ip4_fd_, -1);
    }
    return *this;
}

TxSocket::~TxSocket() {
    close_fd(fd_);
    close_fd(ip4_fd_);
}

Result<std::size_t> TxSocket::send(std::span<const net::ConstBytes> frames) {
    for (std::size_t i = 0; i < frames.size(); ++i) {
        if (kind_ == LinkKind::raw_ip && raw_ip_protocol(frames[i]) == 0) {
            return fail(frame_error(ifindex_, i, "is neither IPv4 nor IPv6"));
        }
        if (ip4_fd_ >= 0 && is_ipv4_ethernet(frames[i]) && !ipv4_packet(frames[i])) {
            return fail(frame_error(ifindex_, i, "has a bad IPv4 length"));
        }
    }
    // Runs of consecutive frames that go through the same socket.
    const auto via_ip4 = [this](net::ConstBytes frame) {
        return ip4_fd_ >= 0 && is_ipv4_ethernet(frame);
    };
    std::size_t sent = 0;
    while (sent < frames.size()) {
        const bool ip4 = via_ip4(frames[sent]);
        std::size_t run = 1;
        while (sent + run < frames.size() && via_ip4(frames[sent + run]) == ip4) {
            ++run;
        }
        const auto done = send_run(frames.subspan(sent, run), ip4);
        if (!done) {
            return done;
        }
        sent += *done;
        if (*done < run) {
            break;
        }
    }
    return sent;
}

Result<std::size_t> TxSocket::send_run(std::span<const net::ConstBytes> frames, bool via_ip4) {
    std::array<mmsghdr, kBatch> messages{};
    std::array<iovec, kBatch> vectors{};
    std::array<sockaddr_ll, kBatch> link_addresses{};
    std::array<sockaddr_in, kBatch> ip4_addresses{};
    const int fd = via_ip4 ? ip4_fd_ : fd_;
    std::size_t sent = 0;
    while (sent < frames.size()) {
        const std::size_t count = std::min(kBatch, frames.size() - sent);
        for (std::size_t i = 0; i < count; ++i) {
            // Checked by send(): a loopback IPv4 frame holds a whole IPv4 packet.
            const net::ConstBytes frame =
                via_ip4 ? ipv4_packet(frames[sent + i]).value() : frames[sent + i];
            vectors[i].iov_base = const_cast<std::uint8_t*>(frame.data());
            vectors[i].iov_len = frame.size();
            messages[i] = mmsghdr{};
            messages[i].msg_hdr.msg_iov = &vectors[i];
            messages[i].msg_hdr.msg_iovlen = 1;
            if (via_ip4) {
                ip4_addresses[i] = sockaddr_in{};
                ip4_addresses[i].sin_family = AF_INET;
                std::memcpy(&ip4_addresses[i].sin_addr, frame.subspan(kIpv4Dst, 4).data(), 4);
                messages[i].msg_hdr.msg_name = &ip4_addresses[i];
                messages[i].msg_hdr.msg_namelen = sizeof(sockaddr_in);
            } else if (kind_ == LinkKind::raw_ip) {
                // SOCK_DGRAM adds no link header; the ethertype goes in the address.
                link_addresses[i] = sockaddr_ll{};
                link_addresses[i].sll_family = AF_PACKET;
                link_addresses[i].sll_protocol = htons(raw_ip_protocol(frame));
                link_addresses[i].sll_ifindex = ifindex_;
                messages[i].msg_hdr.msg_name = &link_addresses[i];
                messages[i].msg_hdr.msg_namelen = sizeof(sockaddr_ll);
            }
        }
        const int done = ::sendmmsg(fd, messages.data(), static_cast<unsigned>(count),
                                    MSG_DONTWAIT);
        if (done < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
                return sent;  // the queue is full: the caller retries the rest later
            }
            return fail(detail::socket_error(ifindex_, "send", errno));
        }
        sent += static_cast<std::size_t>(done);
        if (static_cast<std::size_t>(done) < count) {
            return sent;  // stopped early; a lasting error shows on the next call
        }
    }
    return sent;
}

}  // namespace portwarden::io

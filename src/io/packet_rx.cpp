// RxSocket: a TPACKET_V3 receive ring behind a libpcap-compiled classic BPF filter.
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstring>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "io/netlink.hpp"
#include "io/packet_detail.hpp"
#include "io/packet_socket.hpp"

namespace portwarden::io {

namespace {

constexpr int kSnapLength = 65535;
constexpr unsigned kFrameSize = 2048;  // only sizes the kernel's frame count; V3 frames vary
constexpr std::size_t kQueueBatch = 16;  // no ring: frames read per recvmmsg()
constexpr std::size_t kStatusOffset = offsetof(tpacket_block_desc, hdr.bh1.block_status);

// Compiles a pcap-filter(7) expression for the link type of the socket's frames.
Result<std::vector<sock_filter>> compile_filter(const std::string& filter, LinkKind kind) {
    // Receive sockets may be opened on several threads at once (their ring set-ups overlap);
    // older libpcap's compiler is not thread-safe, so compiles take turns.
    static std::mutex compiler;
    const std::lock_guard lock(compiler);
    pcap_t* dead = pcap_open_dead(kind == LinkKind::raw_ip ? DLT_RAW : DLT_EN10MB, kSnapLength);
    if (dead == nullptr) {
        return fail("capture filter \"" + filter + "\": libpcap could not start");
    }
    bpf_program program{};
    if (pcap_compile(dead, &program, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
        std::string message = "capture filter \"" + filter + "\": " + pcap_geterr(dead);
        pcap_close(dead);
        return fail(std::move(message));
    }
    std::vector<sock_filter> code;
    for (const bpf_insn& insn : std::span<const bpf_insn>(program.bf_insns, program.bf_len)) {
        code.push_back(sock_filter{insn.code, insn.jt, insn.jf, insn.k});
    }
    pcap_freecode(&program);
    pcap_close(dead);
    return code;
}

int socket_type(LinkKind kind) { return kind == LinkKind::raw_ip ? SOCK_DGRAM : SOCK_RAW; }

// The filter's code, or none for an empty filter (which admits everything).
Result<std::vector<sock_filter>> compile_if_any(const std::string& filter, LinkKind kind) {
    if (filter.empty()) {
        return std::vector<sock_filter>{};
    }
    return compile_filter(filter, kind);
}

std::uint32_t load_status(const std::uint8_t* block) {
    std::uint32_t status = 0;
    std::memcpy(&status, block + kStatusOffset, sizeof(status));
    std::atomic_thread_fence(std::memory_order_acquire);
    return status;
}

void release_block(std::uint8_t* block) {
    const std::uint32_t status = TP_STATUS_KERNEL;
    std::atomic_thread_fence(std::memory_order_release);
    std::memcpy(block + kStatusOffset, &status, sizeof(status));
}

// Calls on_frame for each frame of a block the kernel handed over; every header and frame is
// checked against the block's bounds.
// checksum_known: set for each frame before on_frame sees it: TP_STATUS_CSUMNOTREADY (a frame
// of this host's, or one a veth carried, whose checksum the kernel left to offload) or
// TP_STATUS_CSUM_VALID (the NIC or the kernel verified it; GRO-merged frames are among these).
std::size_t walk_block(net::ConstBytes block,
                       const std::function<void(net::ConstBytes frame)>& on_frame, bool& checksum_known) {
    const auto desc = netlink::load_struct<tpacket_block_desc>(block);
    if (!desc) {
        return 0;
    }
    std::size_t delivered = 0;
    std::size_t offset = desc->hdr.bh1.offset_to_first_pkt;
    for (std::uint32_t i = 0; i < desc->hdr.bh1.num_pkts; ++i) {
        const auto frame_header =
            offset < block.size() ? netlink::load_struct<tpacket3_hdr>(block.subspan(offset))
                                  : std::nullopt;
        if (!frame_header) {
            break;
        }
        const auto frame =
            net::slice(block, offset + frame_header->tp_mac, frame_header->tp_snaplen);
        if (!frame) {
            break;
        }
        checksum_known = (frame_header->tp_status & (TP_STATUS_CSUMNOTREADY | TP_STATUS_CSUM_VALID)) != 0;
        on_frame(*frame);
        ++delivered;
        if (frame_header->tp_next_offset == 0) {
            break;
        }
        offset += frame_header->tp_next_offset;
    }
    return delivered;
}

}  // namespace

Result<RxSocket> RxSocket::create(LinkKind kind, const RxOptions& options) { return set_up(0, kind, options); }

Result<RxSocket> RxSocket::set_up(int ifindex, LinkKind kind, const RxOptions& options) {
    const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    if (options.block_count != 0 &&
        (options.block_size < page || options.block_size % page != 0 || options.block_size % kFrameSize != 0 ||
         options.block_size > (std::size_t{1} << 30) / options.block_count)) {
        return fail(detail::socket_error(ifindex, "ring", EINVAL) +
                    " (block size: a multiple of the page size and of 2048; count: 0 for no ring, or more)");
    }
    // Protocol 0 until bind(): nothing is queued before the filter and the ring are in place.
    const auto fd = detail::open_packet_socket(ifindex, socket_type(kind));
    if (!fd) {
        return tl::unexpected(fd.error());
    }
    RxSocket socket;
    socket.fd_ = *fd;
    socket.ifindex_ = ifindex;  // for messages; bound by attach
    socket.kind_ = kind;
    socket.options_ = options;
    socket.prepared_ = true;
    if (options.block_count == 0) {
        // No ring: frames are read with recvmmsg() from the socket queue, sized before bind().
        // Without CAP_NET_ADMIN the FORCE form fails and the plain one is capped by the
        // kernel; either way the socket works, only its queue is smaller.
        const int queue = static_cast<int>(std::min<std::size_t>(options.queue_bytes, INT_MAX / 2));
        if (queue > 0 && !detail::set_int_option(*fd, SOL_SOCKET, SO_RCVBUFFORCE, queue)) {
            detail::set_int_option(*fd, SOL_SOCKET, SO_RCVBUF, queue);
        }
        // Each frame's tpacket_auxdata: its checksum status, as a ring's frame header gives it.
        if (!detail::set_int_option(*fd, SOL_PACKET, PACKET_AUXDATA, 1)) {
            return fail(detail::socket_error(ifindex, "PACKET_AUXDATA", errno));
        }
        // Not zeroed: only the pages frames are written to are ever touched.
        socket.buffer_ = std::make_unique_for_overwrite<std::uint8_t[]>(std::size_t{kSnapLength} * kQueueBatch);
    }
    return socket;  // a ring is set up by set_up_ring(), or by the attach at the latest
}

Result<bool> RxSocket::set_up_ring() {
    if (ring_ != nullptr || options_.block_count == 0) {
        return true;
    }
    const auto step_failed = [&](const char* step) {
        return fail(detail::socket_error(ifindex_, step, errno));
    };
    if (!detail::set_int_option(fd_, SOL_PACKET, PACKET_VERSION, TPACKET_V3)) {
        return step_failed("TPACKET_V3");
    }
    tpacket_req3 request{};
    request.tp_block_size = static_cast<unsigned>(options_.block_size);
    request.tp_block_nr = static_cast<unsigned>(options_.block_count);
    request.tp_frame_size = kFrameSize;
    request.tp_frame_nr = static_cast<unsigned>(options_.block_size / kFrameSize * options_.block_count);
    request.tp_retire_blk_tov = static_cast<unsigned>(options_.block_timeout.count());
    if (::setsockopt(fd_, SOL_PACKET, PACKET_RX_RING, &request, sizeof(request)) != 0) {
        return step_failed("PACKET_RX_RING");
    }
    const std::size_t ring_size = options_.block_size * options_.block_count;
    void* ring = ::mmap(nullptr, ring_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
    if (ring == MAP_FAILED) {
        return step_failed("mmap");
    }
    ring_ = static_cast<std::uint8_t*>(ring);
    ring_size_ = ring_size;
    block_size_ = options_.block_size;
    block_count_ = options_.block_count;
    return true;
}

Result<bool> RxSocket::attach(int ifindex, LinkKind kind, const std::string& filter) {
    auto code = compile_if_any(filter, kind);
    if (!code) {
        return tl::unexpected(code.error());
    }
    return attach_code(ifindex, kind, std::move(*code));
}

Result<bool> RxSocket::attach_code(int ifindex, LinkKind kind, std::vector<sock_filter> code) {
    if (!prepared_ || socket_type(kind) != socket_type(kind_)) {
        return fail(detail::socket_error(ifindex, "attach", EINVAL));
    }
    if (ring_pending()) {  // the ring first, so that no frame is queued without it
        ifindex_ = ifindex;  // for its messages
        if (auto ring = set_up_ring(); !ring) {
            return tl::unexpected(ring.error());
        }
    }
    const auto step_failed = [&](const char* step) {
        return fail(detail::socket_error(ifindex, step, errno));
    };
    if (!code.empty()) {
        const sock_fprog program{static_cast<unsigned short>(code.size()), code.data()};
        if (::setsockopt(fd_, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof(program)) != 0) {
            return step_failed("attach filter");
        }
    }
    if (!options_.outgoing && !detail::set_int_option(fd_, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)) {
        return step_failed("PACKET_IGNORE_OUTGOING");
    }
    const auto bound = detail::bind_packet_socket(fd_, ifindex, ETH_P_ALL);
    if (!bound) {
        return tl::unexpected(bound.error());
    }
    ifindex_ = ifindex;
    kind_ = kind;
    prepared_ = false;  // attached
    return true;
}

Result<RxSocket> RxSocket::open_deferred(int ifindex, LinkKind kind, const std::string& filter,
                                         const RxOptions& options) {
    auto code = compile_if_any(filter, kind);  // a bad filter fails now, not at the attach
    if (!code) {
        return tl::unexpected(code.error());
    }
    auto socket = set_up(ifindex, kind, options);
    if (!socket) {
        return tl::unexpected(socket.error());
    }
    socket->deferred_ = Deferred{ifindex, std::move(*code)};
    return socket;
}

Result<bool> RxSocket::ensure_attached() {
    if (!deferred_) {
        return true;
    }
    auto attached = attach_code(deferred_->ifindex, kind_, deferred_->code);
    if (attached) {
        deferred_.reset();
    }
    return attached;
}

Result<RxSocket> RxSocket::open(int ifindex, LinkKind kind, const std::string& filter,
                                const RxOptions& options) {
    auto code = compile_if_any(filter, kind);  // before any socket: a bad filter costs nothing
    if (!code) {
        return tl::unexpected(code.error());
    }
    auto socket = set_up(ifindex, kind, options);
    if (!socket) {
        return tl::unexpected(socket.error());
    }
    auto attached = socket->attach_code(ifindex, kind, std::move(*code));
    if (!attached) {
        return tl::unexpected(attached.error());
    }
    return std::move(*socket);
}

RxSocket::RxSocket(RxSocket&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      ifindex_(other.ifindex_),
      kind_(other.kind_),
      ring_(std::exchange(other.ring_, nullptr)),
      ring_size_(std::exchange(other.ring_size_, 0)),
      block_size_(other.block_size_),
      block_count_(other.block_count_),
      next_block_(other.next_block_),
      options_(other.options_),
      prepared_(std::exchange(other.prepared_, false)),
      buffer_(std::move(other.buffer_)),
      deferred_(std::exchange(other.deferred_, std::nullopt)) {}

RxSocket& RxSocket::operator=(RxSocket&& other) noexcept {
    if (this != &other) {
        RxSocket old(std::move(*this));
        fd_ = std::exchange(other.fd_, -1);
        ifindex_ = other.ifindex_;
        kind_ = other.kind_;
        ring_ = std::exchange(other.ring_, nullptr);
        ring_size_ = std::exchange(other.ring_size_, 0);
        block_size_ = other.block_size_;
        block_count_ = other.block_count_;
        next_block_ = other.next_block_;
        options_ = other.options_;
        prepared_ = std::exchange(other.prepared_, false);
        buffer_ = std::move(other.buffer_);
        deferred_ = std::exchange(other.deferred_, std::nullopt);
    }
    return *this;
}

RxSocket::~RxSocket() {
    if (ring_ != nullptr) {
        ::munmap(ring_, ring_size_);
    }
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

Result<std::size_t> RxSocket::poll(std::chrono::milliseconds timeout,
                                   const std::function<void(net::ConstBytes frame)>& on_frame,
                                   int wake_fd) {
    if (fd_ < 0) {
        return fail(detail::socket_error(ifindex_, "poll", EBADF));  // moved from
    }
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + timeout;
    std::size_t delivered = 0;
    for (;;) {
        if (ring_ == nullptr) {
            auto read = read_queued(on_frame);
            if (!read) {
                return tl::unexpected(read.error());
            }
            delivered += *read;
        }
        // Blocks come back in ring order; take every one the kernel has handed over.
        for (std::size_t n = 0; ring_ != nullptr && n < block_count_; ++n) {
            std::uint8_t* block = ring_ + next_block_ * block_size_;
            if ((load_status(block) & TP_STATUS_USER) == 0) {
                break;
            }
            delivered += walk_block(net::ConstBytes(block, block_size_), on_frame, checksum_known_);
            release_block(block);
            next_block_ = (next_block_ + 1) % block_count_;
        }
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
        if (delivered > 0 || left.count() <= 0) {
            return delivered;
        }
        std::array<pollfd, 2> fds{pollfd{fd_, POLLIN, 0}, pollfd{wake_fd, POLLIN, 0}};
        const pollfd& waiting = fds[0];
        const int ready = ::poll(fds.data(), wake_fd >= 0 ? 2 : 1, static_cast<int>(left.count()));
        if (ready < 0 && errno != EINTR) {
            return fail(detail::socket_error(ifindex_, "poll", errno));
        }
        if (ready > 0 && wake_fd >= 0 && (fds[1].revents & POLLIN) != 0) {
            return delivered;  // woken: the caller has something else to do (e.g. stop)
        }
        if (ready > 0 && (waiting.revents & POLLERR) != 0) {
            int error = 0;
            socklen_t length = sizeof(error);
            ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length);  // reading clears it
            if (error != 0) {
                return fail(detail::socket_error(ifindex_, "receive", error));
            }
        }
    }
}

Result<std::size_t> RxSocket::read_queued(const std::function<void(net::ConstBytes frame)>& on_frame) {
    constexpr std::size_t kControl = CMSG_SPACE(sizeof(tpacket_auxdata));
    std::array<mmsghdr, kQueueBatch> messages{};
    std::array<iovec, kQueueBatch> vectors{};
    std::array<std::array<std::uint8_t, kControl>, kQueueBatch> controls{};
    for (std::size_t i = 0; i < kQueueBatch; ++i) {
        vectors[i] = iovec{buffer_.get() + i * kSnapLength, kSnapLength};
        messages[i].msg_hdr.msg_iov = &vectors[i];
        messages[i].msg_hdr.msg_iovlen = 1;
        messages[i].msg_hdr.msg_control = controls[i].data();
    }
    std::size_t delivered = 0;
    for (;;) {
        for (mmsghdr& m : messages) {
            m.msg_hdr.msg_controllen = kControl;  // the kernel leaves there what it wrote
        }
        const int got = ::recvmmsg(fd_, messages.data(), kQueueBatch, MSG_DONTWAIT, nullptr);
        if (got < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                return delivered;
            }
            return fail(detail::socket_error(ifindex_, "receive", errno));
        }
        for (std::size_t i = 0; i < static_cast<std::size_t>(got); ++i) {
            msghdr& header = messages[i].msg_hdr;
            std::uint32_t status = 0;
            bool has_status = false;
            for (cmsghdr* c = CMSG_FIRSTHDR(&header); c != nullptr; c = CMSG_NXTHDR(&header, c)) {
                if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA &&
                    c->cmsg_len >= CMSG_LEN(sizeof(tpacket_auxdata))) {
                    tpacket_auxdata aux{};
                    std::memcpy(&aux, CMSG_DATA(c), sizeof(aux));
                    status = aux.tp_status;
                    has_status = true;
                }
            }
            // As a ring frame's: known when the kernel verified the checksums or left them to
            // offload; without the status (never expected) they are checked.
            checksum_known_ = has_status && (status & (TP_STATUS_CSUMNOTREADY | TP_STATUS_CSUM_VALID)) != 0;
            const auto length = std::min<std::size_t>(messages[i].msg_len, kSnapLength);
            on_frame(net::ConstBytes(buffer_.get() + i * kSnapLength, length));
            ++delivered;
        }
        if (static_cast<std::size_t>(got) < kQueueBatch) {
            return delivered;
        }
    }
}

bool RxSocket::admit_nothing() {
    std::array<sock_filter, 1> nothing{sock_filter{BPF_RET | BPF_K, 0, 0, 0}};
    const sock_fprog program{static_cast<unsigned short>(nothing.size()), nothing.data()};
    return fd_ >= 0 && ::setsockopt(fd_, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof(program)) == 0;
}

RxStats RxSocket::take_stats() {
    if (fd_ < 0) {
        return {};  // moved from (closed elsewhere)
    }
    tpacket_stats_v3 stats{};
    socklen_t length = sizeof(stats);
    if (::getsockopt(fd_, SOL_PACKET, PACKET_STATISTICS, &stats, &length) != 0) {
        return {};
    }
    // The kernel's tp_packets already includes tp_drops: both passed the filter.
    return RxStats{stats.tp_packets, stats.tp_drops};
}

net::LinkType RxSocket::link_type() const { return frame_link_type(kind_); }

}  // namespace portwarden::io

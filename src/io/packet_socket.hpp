#pragma once
// AF_PACKET sockets on one interface: a transmit socket that sends batches of complete frames
// with sendmmsg(), and a receive socket reading a TPACKET_V3 memory-mapped ring behind a
// classic-BPF filter compiled by libpcap, so that only candidate replies reach user space.
// Both are move-only and close their descriptors (and unmap the ring) on destruction.
#include <linux/filter.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "io/route.hpp"
#include "net/bytes.hpp"
#include "net/packet_view.hpp"
#include "portwarden/error.hpp"

namespace portwarden::io {

// The link type frames have on a socket for this kind of interface (loopback and Ethernet
// frames carry an Ethernet header; raw-IP links none).
net::LinkType frame_link_type(LinkKind kind);

class TxSocket {
public:
    // Opens and binds a sending socket to the interface (SOCK_RAW for ethernet/loopback,
    // SOCK_DGRAM with the IP ethertype per frame for raw_ip; PACKET_QDISC_BYPASS when allowed;
    // on loopback also a raw IPv4 socket, see ip4_fd_).
    // Fails with a one-line error naming the interface ("permission denied: raw sockets need
    // CAP_NET_RAW", ...).
    static Result<TxSocket> open(int ifindex, LinkKind kind);

    TxSocket(TxSocket&& other) noexcept;
    TxSocket& operator=(TxSocket&& other) noexcept;
    TxSocket(const TxSocket&) = delete;
    TxSocket& operator=(const TxSocket&) = delete;
    ~TxSocket();

    // Sends the frames with as few sendmmsg() calls as possible. Returns how many were sent
    // (a prefix of `frames`); fewer than all when the kernel's queue is full (ENOBUFS/EAGAIN,
    // the caller retries the rest later). Errors only for failures that retrying cannot fix.
    Result<std::size_t> send(std::span<const net::ConstBytes> frames);

    int fd() const { return fd_; }

private:
    TxSocket(int fd, int ifindex, LinkKind kind) : fd_(fd), ifindex_(ifindex), kind_(kind) {}
    Result<std::size_t> send_run(std::span<const net::ConstBytes> frames, bool via_ip4);
    int fd_ = -1;
    int ifindex_ = 0;
    LinkKind kind_ = LinkKind::ethernet;
    // Loopback only: IPv4 frames injected on lo with AF_PACKET go through input routing,
    // which drops them as martians (a local or 127/8 source arriving from outside) unless
    // net.ipv4.conf.lo.accept_local / route_localnet are set. So IPv4 frames on loopback are
    // sent, without their Ethernet header, through a raw IPv4 socket (IP_HDRINCL) instead;
    // the kernel then loops them back like its own packets. IPv6 needs no such detour.
    int ip4_fd_ = -1;
};

struct RxStats {
    std::uint64_t packets = 0;  // frames that passed the filter (PACKET_STATISTICS tp_packets)
    std::uint64_t drops = 0;    // frames the kernel dropped because the ring was full
};

struct RxOptions {
    std::size_t block_size = std::size_t{1} << 20;  // bytes per ring block (power of two pages)
    // 0: no ring, frames are read with recv(). For sockets that see a handful of frames (ARP
    // and neighbour replies): a ring's set-up waits for an RCU grace period and its close for
    // one more; a plain socket's set-up waits for none.
    std::size_t block_count = 8;
    // Without a ring: the socket queue's size in bytes (SO_RCVBUFFORCE, else SO_RCVBUF up to
    // net.core.rmem_max). The kernel's default (rmem_default, 208 KiB) holds only ~256 small
    // frames, fewer than the replies to one burst of neighbour requests to a /23; 4 MiB
    // (doubled by the kernel for its own overhead) holds ~10 000. Memory is used only as
    // frames wait.
    std::size_t queue_bytes = std::size_t{4} << 20;
    std::chrono::milliseconds block_timeout{5};     // a partly filled block is handed over after this
    // Also deliver the frames this host sends (PACKET_IGNORE_OUTGOING off): a passive watcher
    // (`portwarden watch`) needs the host's own answers. Scanners leave it off.
    bool outgoing = false;
};

class RxSocket {
public:
    // Opens a TPACKET_V3 ring bound to the interface, ignoring our own outgoing frames
    // (PACKET_IGNORE_OUTGOING), with `filter` (pcap-filter(7) syntax, compiled by libpcap for
    // the interface's link type) attached before the ring starts filling. An empty filter
    // admits everything. A filter that does not compile is an error quoting libpcap's message.
    static Result<RxSocket> open(int ifindex, LinkKind kind, const std::string& filter,
                                 const RxOptions& options = {});

    // open() in steps. create() opens the socket only (protocol 0 until bound: nothing is
    // queued), the one step that needs CAP_NET_RAW, and waits for nothing. set_up_ring() sets
    // the ring up, which waits for a kernel RCU grace period (packet_set_ring() calls
    // synchronize_net(), ~8-16 ms here); attach() compiles and attaches the filter and binds to
    // the interface (setting the ring up first if that is still to do), which waits for
    // nothing. Neither needs a capability: they may follow a privilege drop, on a thread of
    // their own (a thread inside synchronize_net() would hold up the drop's set*id). `kind`
    // only chooses the socket type (raw_ip: SOCK_DGRAM); attach() takes any kind of that type.
    static Result<RxSocket> create(LinkKind kind, const RxOptions& options);
    // The ring of a create()d socket; true at once for one that has it or is ring-less.
    Result<bool> set_up_ring();
    bool ring_pending() const { return fd_ >= 0 && ring_ == nullptr && options_.block_count != 0; }
    Result<bool> attach(int ifindex, LinkKind kind, const std::string& filter);

    // open() whose attach waits for the first ensure_attached() (a bad filter still fails now).
    // For a socket needed now and then (ARP / ND answers, when the kernel's table lacks a next
    // hop): until it is attached, no frame on the interface goes through its filter.
    static Result<RxSocket> open_deferred(int ifindex, LinkKind kind, const std::string& filter,
                                          const RxOptions& options = {});
    Result<bool> ensure_attached();

    RxSocket(RxSocket&& other) noexcept;
    RxSocket& operator=(RxSocket&& other) noexcept;
    RxSocket(const RxSocket&) = delete;
    RxSocket& operator=(const RxSocket&) = delete;
    ~RxSocket();

    // Waits up to `timeout` for a filled block, then calls on_frame for every frame of every
    // ready block (in order) and hands the blocks back to the kernel. Returns the number of
    // frames delivered (0 on time-out). Frames are only valid during the callback.
    // `wake_fd` (optional, e.g. an eventfd): the wait also ends, early, once it is readable.
    Result<std::size_t> poll(std::chrono::milliseconds timeout,
                             const std::function<void(net::ConstBytes frame)>& on_frame,
                             int wake_fd = -1);

    // Counters since the previous call (PACKET_STATISTICS resets them when read).
    RxStats take_stats();

    // During poll()'s on_frame: true when the frame's checksums need no check by us: the kernel
    // verified them (TP_STATUS_CSUM_VALID), or left them to offload (TP_STATUS_CSUMNOTREADY: the
    // frame came from this host or over a veth, and its checksum field says nothing yet).
    bool checksum_known() const { return checksum_known_; }

    // Swaps the filter for one that admits nothing (at once: the old one is freed after a grace
    // period, without waiting for it). For a socket whose close is left to another process: it
    // no longer costs a ring copy per frame of whatever runs meanwhile. False if it fails.
    bool admit_nothing();

    net::LinkType link_type() const;
    int fd() const { return fd_; }

private:
    RxSocket() = default;
    int fd_ = -1;
    int ifindex_ = 0;
    LinkKind kind_ = LinkKind::ethernet;
    std::uint8_t* ring_ = nullptr;
    std::size_t ring_size_ = 0;
    std::size_t block_size_ = 0;
    std::size_t block_count_ = 0;
    std::size_t next_block_ = 0;
    RxOptions options_;
    bool prepared_ = false;  // create()d and not attached yet
    bool checksum_known_ = false;  // of the frame on_frame is seeing
    std::unique_ptr<std::uint8_t[]> buffer_;  // no ring: room for a batch of frames read with recvmmsg()
    struct Deferred {
        int ifindex = 0;
        std::vector<sock_filter> code;  // compiled by open_deferred
    };
    std::optional<Deferred> deferred_;  // open_deferred(): what ensure_attached() attaches

    // create(), naming `ifindex` (0: none yet) in its errors.
    static Result<RxSocket> set_up(int ifindex, LinkKind kind, const RxOptions& options);
    // attach() with the filter compiled.
    Result<bool> attach_code(int ifindex, LinkKind kind, std::vector<sock_filter> code);
    // No ring: hands every frame queued on the socket to on_frame, without waiting.
    Result<std::size_t> read_queued(const std::function<void(net::ConstBytes frame)>& on_frame);
};

}  // namespace portwarden::io

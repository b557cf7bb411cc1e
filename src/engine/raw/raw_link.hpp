#pragma once
// RawIo on one network interface: an AF_PACKET transmit socket, and a receive thread reading
// the TPACKET_V3 ring (BPF-filtered to candidate replies) that parses every frame with the
// bounds-checked views and keeps only the replies a module validates as answers to our probes.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <vector>

#include "engine/raw/raw_io.hpp"
#include "io/packet_socket.hpp"
#include "io/route.hpp"
#include "techniques/technique.hpp"

namespace portwarden::engine {

// The receive rings' shapes: the scan's replies, and ARP / neighbour advertisements.
io::RxOptions link_ring_options();
io::RxOptions neighbour_ring_options();

class LinkIo final : public RawIo {
public:
    // Opens the sockets on the route's interface. `modules` validate replies (first match per
    // module); `context` is copied.
    // Replies are read at once from a ring-less socket (its set-up waits for nothing); the
    // ring's socket is only opened here, and set up by start_ring().
    static Result<std::unique_ptr<LinkIo>> open(const io::Route& route, const techniques::ScanContext& context,
                                                std::vector<const techniques::Module*> modules);
    ~LinkIo() override;

    // Sets the receive ring up on a thread of its own (it waits for an RCU grace period, ~8-16
    // ms) and hands reading over to it once it is live; until then, and if it fails, the
    // ring-less socket is read. Call it after a privilege drop, not before: set*id waits for
    // every thread, and a thread in synchronize_net() answers only when its wait is over.
    // Frames both sockets received during the hand-over are delivered once (the ring's copy
    // of a frame the first socket delivered is skipped: keyed hash of its bytes).
    void start_ring();
    // Whether start_ring()'s ring is live (for tests).
    bool ring_live() const { return ring_state_.load() == kRingLive; }

    Result<std::size_t> send(std::span<const net::ConstBytes> frames) override;
    void take_replies(std::vector<CapturedReply>& out, std::chrono::steady_clock::time_point deadline) override;
    RawIoStats stats() override;
    std::string receive_error() override;
    // Stops the receive thread and closes the sockets on a background thread (the destructor
    // waits for it); stats() keeps the figures taken before.
    void release() override;
    // The sockets' last closes (and their RCU grace periods) are left to short-lived child
    // processes (io::DetachedClose): for a command that exits once its results are written.
    void set_close_detached(bool detached) { close_detached_ = detached; }
    // --packet-trace: one line per frame sent and per frame received ("SENT (0.0012s) TCP ...");
    // called from the sending threads and the receive thread, possibly at once. Set before use.
    void set_packet_trace(std::function<void(std::string_view)> trace) {
        trace_ = std::move(trace);
        trace_start_ = std::chrono::steady_clock::now();
    }

    io::TxSocket& tx() { return tx_; }
    // The ARP / neighbour-advertisement socket (Ethernet links; null otherwise). Owned here so
    // it closes with the others: each close waits for RCU grace periods, so they close at once.
    io::RxSocket* neighbour_rx() { return neighbour_rx_.get(); }
    void set_neighbour_rx(std::unique_ptr<io::RxSocket> rx) { neighbour_rx_ = std::move(rx); }

private:
    LinkIo(io::TxSocket tx, io::RxSocket rx, io::RxSocket early, const techniques::ScanContext& context,
           std::vector<const techniques::Module*> modules);
    void receive_loop();
    // The receive thread's move from the ring-less socket to the ring: the first admits
    // nothing more, what it holds is read, and from now on the ring is read.
    void hand_over(std::vector<CapturedReply>& batch, RawIoStats& counts);
    // Whether `frame`, from the ring just after the hand-over, is a copy of one read already.
    bool read_before(net::ConstBytes frame);
    // What a frame is known by during the hand-over (keyed: a sender cannot aim at a collision).
    std::uint64_t frame_key(net::ConstBytes frame) const { return net::siphash24(context_.key, frame); }
    // Joins the receive thread and the first socket's closer, which it may have started.
    void join_receiving();
    // Joins the receive thread, then closes every socket, concurrently.
    void close_all();
    // Validates one frame; a reply goes to `batch`, a rejected frame is counted in `counts`.
    void on_frame(net::ConstBytes frame, bool checksum_known, std::chrono::steady_clock::time_point at,
                  std::vector<CapturedReply>& batch, RawIoStats& counts);

    static constexpr int kRingNone = 0;       // not asked for: the ring-less socket is read to the end
    static constexpr int kRingSettingUp = 1;  // start_ring(): waiting for the grace period
    static constexpr int kRingBinding = 2;    // being bound: frames read now may reach the ring too
    static constexpr int kRingLive = 3;
    static constexpr int kRingFailed = 4;     // the ring-less socket stays

    io::TxSocket tx_;
    io::RxSocket rx_;     // the ring, once ring_state_ is kRingLive
    io::RxSocket early_;  // ring-less, read until then (then closed: under mutex_)
    io::Route route_;     // of the ring's bind
    std::string filter_;
    std::atomic<int> ring_state_{kRingNone};
    std::thread ring_thread_;
    bool on_ring_ = false;  // receive thread only
    // Receive thread only: keys of the frames read while the ring was being bound, and until
    // when the ring's first frames are looked up in them.
    std::unordered_multiset<std::uint64_t> handover_keys_;
    std::chrono::steady_clock::time_point handover_until_{};
    std::size_t handover_misses_ = 0;  // ring frames in a row that were no copies
    static constexpr std::size_t kHandoverMissRun = 256;
    std::thread early_closer_;  // closes early_ once the ring is read (under mutex_: the move)
    techniques::ScanContext context_;  // a copy: the environment holding the original moves
    std::vector<const techniques::Module*> modules_;
    net::LinkType link_type_;
    std::mutex mutex_;
    std::condition_variable ready_;
    std::vector<CapturedReply> queue_;
    RawIoStats stats_;        // under mutex_
    std::string rx_error_;    // under mutex_
    std::unique_ptr<io::RxSocket> neighbour_rx_;
    int wake_fd_ = -1;        // eventfd: ends the receive thread's wait at once on stop
    std::atomic<bool> stop_{false};
    std::thread thread_;
    bool released_ = false;   // under mutex_: rx_ is no longer read for statistics
    std::thread closer_;      // release(): close_all() in the background
    bool close_detached_ = false;
    std::function<void(std::string_view)> trace_;
    std::chrono::steady_clock::time_point trace_start_{};
    void trace(std::string_view direction, net::ConstBytes frame) const;
};

}  // namespace portwarden::engine

#include "engine/raw/raw_link.hpp"

#include "net/describe.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>

#include <fmt/format.h>

#include "io/detached_close.hpp"
#include "net/cookie.hpp"
#include "net/packet_checksum.hpp"
#include "net/packet_view.hpp"

namespace portwarden::engine {

using Clock = std::chrono::steady_clock;

namespace {

// On loopback our own probes come back to the ring as incoming frames (source == destination).
// They are recognised exactly, not guessed: a TCP probe of ours carries seq = the cookie of its
// own 4-tuple, and a UDP probe's source port is the one derived for its flow.
bool is_own_probe(const net::ParsedPacket& p, const techniques::ScanContext& context) {
    if (p.src != p.dst) {
        return false;
    }
    if (p.tcp) {
        return p.tcp->seq == net::syn_cookie(context.key, p.src, p.dst, p.tcp->src_port, p.tcp->dst_port) &&
               techniques::tryno_from_source_port(context, p.src, p.dst, p.tcp->src_port, p.tcp->dst_port);
    }
    if (p.udp) {
        return techniques::tryno_from_source_port(context, p.src, p.dst, p.udp->src_port, p.udp->dst_port)
            .has_value();
    }
    return false;
}

std::string combined_filter(const techniques::ScanContext& context,
                            const std::vector<const techniques::Module*>& modules) {
    std::vector<std::string> parts;
    for (const auto* m : modules) {
        const std::string f = m->bpf_filter(context);
        if (f.empty()) {
            continue;
        }
        if (std::find(parts.begin(), parts.end(), f) == parts.end()) {
            parts.push_back(f);
        }
    }
    std::string out;
    for (const auto& p : parts) {
        out += out.empty() ? "(" + p + ")" : " or (" + p + ")";
    }
    return out;
}

}  // namespace

io::RxOptions link_ring_options() {
    io::RxOptions ring;  // 1 MB: ~8000 replies, 40 ms at 200 000 replies/s (drops are counted)
    ring.block_size = std::size_t{1} << 17;
    ring.block_count = 8;
    ring.block_timeout = std::chrono::milliseconds(1);  // the smallest: replies reach the scheduler sooner
    return ring;
}

io::RxOptions neighbour_ring_options() {
    io::RxOptions small;  // ARP and neighbour advertisements only: a few frames, no ring
    small.block_count = 0;
    return small;
}

namespace {

io::RxOptions early_queue_options() {
    io::RxOptions early;  // the replies of the ring's first ~15 ms: 8 MiB hold ~20 000
    early.block_count = 0;
    early.queue_bytes = std::size_t{8} << 20;
    return early;
}

}  // namespace

Result<std::unique_ptr<LinkIo>> LinkIo::open(const io::Route& route, const techniques::ScanContext& context,
                                             std::vector<const techniques::Module*> modules) {
    auto tx = io::TxSocket::open(route.ifindex, route.link);
    if (!tx) {
        return tl::unexpected(tx.error());
    }
    const std::string filter = combined_filter(context, modules);
    if (filter.empty()) {
        return fail("no capture filter: the scan has no source address");
    }
    auto early = io::RxSocket::open(route.ifindex, route.link, filter, early_queue_options());
    if (!early) {
        return tl::unexpected(early.error());
    }
    auto rx = io::RxSocket::create(route.link, link_ring_options());
    if (!rx) {
        return tl::unexpected(rx.error());
    }
    std::unique_ptr<LinkIo> link(
        new LinkIo(std::move(*tx), std::move(*rx), std::move(*early), context, std::move(modules)));
    link->route_ = route;
    link->filter_ = filter;
    link->thread_ = std::thread([l = link.get()] { l->receive_loop(); });
    return link;
}

LinkIo::LinkIo(io::TxSocket tx, io::RxSocket rx, io::RxSocket early, const techniques::ScanContext& context,
               std::vector<const techniques::Module*> modules)
    : tx_(std::move(tx)), rx_(std::move(rx)), early_(std::move(early)), context_(context),
      modules_(std::move(modules)), link_type_(early_.link_type()),
      wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

void LinkIo::start_ring() {
    if (ring_thread_.joinable() || stop_.load()) {
        return;
    }
    ring_state_.store(kRingSettingUp);
    ring_thread_ = std::thread([this] {
        if (!rx_.set_up_ring()) {  // the wait for a grace period
            ring_state_.store(kRingFailed);
            return;
        }
        ring_state_.store(kRingBinding);
        ring_state_.store(rx_.attach(route_.ifindex, route_.link, filter_) ? kRingLive : kRingFailed);
    });
}

LinkIo::~LinkIo() {
    if (closer_.joinable()) {
        closer_.join();
    } else {
        close_all();
    }
    if (wake_fd_ >= 0) {
        ::close(wake_fd_);
    }
}

void LinkIo::close_all() {
    stop_.store(true);
    if (wake_fd_ >= 0) {
        const std::uint64_t one = 1;
        (void)!::write(wake_fd_, &one, sizeof(one));
    }
    if (ring_thread_.joinable()) {
        ring_thread_.join();  // a scan shorter than the ring's set-up waits for its end here
    }
    if (close_detached_) {
        join_receiving();
        rx_.admit_nothing();
        early_.admit_nothing();
        if (neighbour_rx_) {
            neighbour_rx_->admit_nothing();
        }
        const std::array<int, 4> fds{tx_.fd(), rx_.fd(), early_.fd(), neighbour_rx_ ? neighbour_rx_->fd() : -1};
        if (auto children = io::DetachedClose::start(fds)) {
            { io::TxSocket tx = std::move(tx_); }  // our copies: their closes wait for nothing
            { io::RxSocket rx = std::move(rx_); }
            { io::RxSocket early = std::move(early_); }
            neighbour_rx_.reset();
            return;  // and the children close theirs, the last ones
        }
    }
    // Closing a packet socket waits for RCU grace periods (two with a ring, ~8 ms each, more
    // under load): close them all at once; the receive sockets once the receive thread is out.
    std::thread tx_closer([tx = std::move(tx_)]() mutable { (void)tx; });
    std::thread neighbour_closer([rx = std::move(neighbour_rx_)]() mutable { rx.reset(); });
    join_receiving();
    std::thread early_closer([early = std::move(early_)]() mutable { (void)early; });
    { io::RxSocket rx = std::move(rx_); }
    early_closer.join();
    neighbour_closer.join();
    tx_closer.join();
}

void LinkIo::join_receiving() {
    if (thread_.joinable()) {
        thread_.join();
    }
    if (early_closer_.joinable()) {  // started by the receive thread
        early_closer_.join();
    }
}

void LinkIo::release() {
    if (closer_.joinable()) {
        return;
    }
    const auto ring = rx_.take_stats();
    {
        const std::lock_guard lock(mutex_);  // the receive thread may be closing early_
        stats_.ring_drops += ring.drops + early_.take_stats().drops;
        released_ = true;
    }
    closer_ = std::thread([this] { close_all(); });
}

void LinkIo::trace(std::string_view direction, net::ConstBytes frame) const {
    if (const auto packet = net::parse_frame(frame, link_type_)) {
        trace_(fmt::format("{} ({:.4f}s) {}", direction,
                           std::chrono::duration<double>(Clock::now() - trace_start_).count(),
                           net::describe_packet(*packet)));
    }
}

Result<std::size_t> LinkIo::send(std::span<const net::ConstBytes> frames) {
    auto sent = tx_.send(frames);
    if (trace_ && sent) {
        for (std::size_t i = 0; i < *sent && i < frames.size(); ++i) {
            trace("SENT", frames[i]);
        }
    }
    if (sent && *sent < frames.size()) {
        const std::lock_guard lock(mutex_);
        ++stats_.send_retries;
    }
    return sent;
}

void LinkIo::on_frame(net::ConstBytes frame, bool checksum_known, Clock::time_point at,
                      std::vector<CapturedReply>& batch, RawIoStats& counts) {
    ++counts.frames_seen;
    const auto packet = net::parse_frame(frame, link_type_);
    if (!packet) {
        ++counts.unmatched;
        ++counts.malformed;
        return;
    }
    if (is_own_probe(*packet, context_)) {
        ++counts.unmatched;
        return;
    }
    if (trace_) {
        trace("RCVD", frame);
    }
    if (!checksum_known && !net::checksums_ok(frame, *packet)) {
        ++counts.unmatched;
        ++counts.bad_checksum;
        return;
    }
    bool matched = false;
    for (const auto* m : modules_) {
        if (auto reply = m->validate(*packet, context_)) {
            batch.push_back(CapturedReply{*reply, at, m});
            matched = true;
        }
    }
    if (!matched) {
        ++counts.unmatched;
        ++counts.unknown_probe;
    }
}

bool LinkIo::read_before(net::ConstBytes frame) {
    if (handover_keys_.empty()) {
        return false;
    }
    if (Clock::now() > handover_until_) {
        handover_keys_.clear();
        return false;
    }
    const auto it = handover_keys_.find(frame_key(frame));
    if (it == handover_keys_.end()) {
        // The copies come first in the ring (give or take frames two CPUs delivered at once):
        // after a run of frames that are no copies, the rest are none either.
        if (++handover_misses_ >= kHandoverMissRun) {
            handover_keys_.clear();
        }
        return false;
    }
    handover_misses_ = 0;
    handover_keys_.erase(it);
    return true;
}

void LinkIo::hand_over(std::vector<CapturedReply>& batch, RawIoStats& counts) {
    early_.admit_nothing();  // at once; frames already queued stay, and are read now
    const Clock::time_point at = Clock::now();
    const auto drained = early_.poll(std::chrono::milliseconds(0), [&](net::ConstBytes frame) {
        handover_keys_.insert(frame_key(frame));
        on_frame(frame, early_.checksum_known(), at, batch, counts);
    });
    if (!drained) {
        const std::lock_guard lock(mutex_);
        rx_error_ = drained.error().message;
        ready_.notify_all();
        return;
    }
    on_ring_ = true;
    // The ring's copies of those frames arrive within the hand-over's few milliseconds; a
    // later equal frame (a retransmission) is a frame of its own.
    handover_until_ = at + std::chrono::milliseconds(100);
    // Closed on a thread of its own: the close unhooks it from the interface at once (no more
    // filter run per frame), then waits for a grace period.
    const std::lock_guard lock(mutex_);
    stats_.ring_drops += early_.take_stats().drops;
    early_closer_ = std::thread([early = std::move(early_)]() mutable { (void)early; });
}

void LinkIo::receive_loop() {
    std::vector<CapturedReply> batch;
    while (!stop_.load(std::memory_order_relaxed)) {
        batch.clear();
        Clock::time_point at{};
        RawIoStats counts;
        if (!on_ring_ && ring_state_.load(std::memory_order_acquire) == kRingLive) {
            hand_over(batch, counts);
            if (!on_ring_) {
                return;
            }
        }
        io::RxSocket& from = on_ring_ ? rx_ : early_;
        const auto each_frame = [&](net::ConstBytes frame) {
            if (at == Clock::time_point{}) {
                at = Clock::now();
            }
            if (on_ring_) {
                if (read_before(frame)) {
                    return;
                }
            } else if (const int state = ring_state_.load(std::memory_order_acquire);
                       state == kRingBinding || state == kRingLive) {
                handover_keys_.insert(frame_key(frame));  // may reach the ring too
            }
            on_frame(frame, from.checksum_known(), at, batch, counts);
        };
        // While a ring is on its way, short waits: the switch follows its going live sooner.
        const int state = ring_state_.load(std::memory_order_relaxed);
        const bool coming = !on_ring_ && (state == kRingSettingUp || state == kRingBinding || state == kRingLive);
        auto got = from.poll(std::chrono::milliseconds(coming ? 1 : 5), each_frame, wake_fd_);
        if (!got) {
            const std::lock_guard lock(mutex_);
            rx_error_ = got.error().message;
            ready_.notify_all();
            return;
        }
        if (counts.frames_seen > 0) {
            const std::lock_guard lock(mutex_);
            stats_.frames_seen += counts.frames_seen;
            stats_.unmatched += counts.unmatched;
            stats_.malformed += counts.malformed;
            stats_.bad_checksum += counts.bad_checksum;
            stats_.unknown_probe += counts.unknown_probe;
            if (!batch.empty()) {
                queue_.insert(queue_.end(), batch.begin(), batch.end());
                ready_.notify_all();
            }
        }
    }
}

void LinkIo::take_replies(std::vector<CapturedReply>& out, Clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    if (queue_.empty() && rx_error_.empty()) {
        ready_.wait_until(lock, deadline, [&] { return !queue_.empty() || !rx_error_.empty(); });
    }
    out.insert(out.end(), queue_.begin(), queue_.end());
    queue_.clear();
}

RawIoStats LinkIo::stats() {
    const std::lock_guard lock(mutex_);
    if (!released_) {
        stats_.ring_drops += rx_.take_stats().drops + early_.take_stats().drops;
    }
    return stats_;
}

std::string LinkIo::receive_error() {
    const std::lock_guard lock(mutex_);
    return rx_error_;
}

}  // namespace portwarden::engine

// RawRun: the per-host send queues and in-flight lists, and building and sending the probe frames
// (batched, partly on the helper sender).
#include "engine/raw/raw_run.hpp"

#include <algorithm>

namespace portwarden::engine {

void RawRun::queue_push(HostSlot& host, std::uint32_t cell, bool front) {
    cells_[cell].queued = true;
    ++queued_;
    if (host.q_head == kNone) {
        ++queued_hosts_;
        cells_[cell].next = kNone;
        host.q_head = host.q_tail = cell;
    } else if (front) {
        cells_[cell].next = host.q_head;
        host.q_head = cell;
    } else {
        cells_[cell].next = kNone;
        cells_[host.q_tail].next = cell;
        host.q_tail = cell;
    }
}

std::uint32_t RawRun::queue_pop(HostSlot& host) {
    const std::uint32_t cell = host.q_head;
    host.q_head = cells_[cell].next;
    if (host.q_head == kNone) {
        host.q_tail = kNone;
        --queued_hosts_;
    } else {
        // The queue links cells in permutation order (a cache miss each): the next one (and
        // its column) is fetched while this one is sent.
        prefetch_cell(host.q_head);
    }
    cells_[cell].next = kNone;
    cells_[cell].queued = false;
    --queued_;
    return cell;
}

void RawRun::out_push(HostSlot& host, const Outstanding& o) {
    ++in_flight_;
    std::uint32_t node = pool_free_;
    if (node == kNone) {
        node = static_cast<std::uint32_t>(pool_.size());
        pool_.push_back(o);
    } else {
        pool_free_ = pool_[node].next;
        pool_[node] = o;
    }
    pool_[node].next = kNone;
    if (host.out_head == kNone) {
        host.out_head = host.out_tail = node;
    } else {
        pool_[host.out_tail].next = node;
        host.out_tail = node;
    }
}

void RawRun::out_pop(HostSlot& host) {
    --in_flight_;
    const std::uint32_t node = host.out_head;
    host.out_head = pool_[node].next;
    if (host.out_head == kNone) {
        host.out_tail = kNone;
    }
    pool_[node].next = pool_free_;
    pool_free_ = node;
}

void RawRun::mark_ready(std::size_t h) {
    HostSlot& host = hosts_[h];
    if (!host.in_ready && !host.queue_empty() && !host.finished) {
        host.in_ready = true;
        ready_.push_back(static_cast<std::uint32_t>(h));
    }
}

bool RawRun::send_cell(std::uint32_t cell_index, Clock::time_point now) {
    RawCell& cell = cells_[cell_index];
    const std::size_t h = cell_index / columns_.size();
    const std::size_t c = cell_index % columns_.size();
    const RawTarget& target = targets_[h];
    const net::ProbeTemplate* tmpl = templates_.get(c, target.address.family());
    if (tmpl == nullptr || tmpl->size() > frame_capacity_) {
        settle(cell_index, PortState::filtered, Reason::unknown);  // cannot probe: left out
        return false;
    }
    std::vector<std::uint8_t>& buf = frame_buffers_[active_set_][pending_frames_];
    const net::ProbeTemplate*& held = buffer_template_[active_set_][pending_frames_];
    const std::span<std::uint8_t> frame(buf.data(), tmpl->size());
    if (held != tmpl) {
        held = tmpl->write(frame) ? tmpl : nullptr;
    }
    if (held == nullptr ||
        !columns_[c].module->make_probe(frame, *tmpl, context_, target.address, columns_[c].port, cell.tries)) {
        settle(cell_index, PortState::filtered, Reason::unknown);
        return false;
    }
    if (context_.ethernet(target.address.family()) && frame.size() >= 6) {
        std::copy(target.next_hop_mac.begin(), target.next_hop_mac.end(), frame.begin());
    }
    frame_views_[pending_frames_] = frame;
    ++pending_frames_;
    HostSlot& host = hosts_[h];
    out_push(host, Outstanding{now, cell_index, kNone, cell.tries});
    schedule_due(h, now + timeout_of(host));
    host.control.on_send(now);
    if (cell.tries > 0) {
        ++counters_.retransmissions;
    }
    ++cell.tries;
    cell.sent_us = micros_since_start(now);
    ++counters_.probes_sent;
    if (pending_frames_ == frame_views_.size()) {
        flush_sends();
    }
    return true;
}

void RawRun::flush_sends() {
    const std::span<const net::ConstBytes> frames(frame_views_.data(), pending_frames_);
    pending_frames_ = 0;
    if (frames.empty() || !fatal_.empty()) {
        return;
    }
    // A full batch goes to the helper's queue while it holds fewer than two (another buffer
    // set is filled meanwhile); otherwise the scheduler sends it itself. The helper has nothing
    // else to do, so it should send more than the scheduler, which also handles the replies.
    if (helper_ && frames.size() == frame_views_.size()) {
        for (const std::uint64_t done = helper_->completed(); helper_completed_ < done; ++helper_completed_) {
            helper_sets_.pop_front();  // out: the set may be filled again
        }
        if (helper_sets_.size() < kBufferSets - 1) {
            if (auto err = helper_->take_error(); !err.empty()) {
                fatal_ = err;
                return;
            }
            helper_->submit(std::vector<net::ConstBytes>(frames.begin(), frames.end()));
            helper_sets_.push_back(active_set_);
            for (std::size_t set = 0; set < kBufferSets; ++set) {
                if (std::find(helper_sets_.begin(), helper_sets_.end(), set) == helper_sets_.end()) {
                    active_set_ = set;
                    break;
                }
            }
            return;
        }
    }
    if (auto err = send_all(io_, frames); !err.empty()) {
        fatal_ = err;
    }
}

}  // namespace portwarden::engine

#include "engine/raw/raw_mux.hpp"

#include <algorithm>

namespace portwarden::engine {

namespace {
// A pumping lane waits on the shared io at most this long, so a reply for another lane is
// handed over promptly even when the pump's own deadline is far.
constexpr auto kPumpSlice = std::chrono::milliseconds(2);
}  // namespace

class IoMux::Lane final : public RawIo {
public:
    Lane(IoMux& mux, std::vector<Address> addresses) : mux_(mux), addresses_(std::move(addresses)) {
        std::sort(addresses_.begin(), addresses_.end());
    }
    ~Lane() override { mux_.remove(*this); }

    Result<std::size_t> send(std::span<const net::ConstBytes> frames) override { return mux_.send(frames); }
    void take_replies(std::vector<CapturedReply>& out, std::chrono::steady_clock::time_point deadline) override {
        mux_.take(*this, out, deadline);
    }
    RawIoStats stats() override { return mux_.base_.stats(); }
    std::string receive_error() override { return mux_.base_.receive_error(); }

    bool owns(const Address& a) const { return std::binary_search(addresses_.begin(), addresses_.end(), a); }
    std::vector<CapturedReply> queue;  // under mux_.mutex_

private:
    IoMux& mux_;
    std::vector<Address> addresses_;
};

std::unique_ptr<RawIo> IoMux::lane(std::vector<Address> addresses) {
    auto made = std::make_unique<Lane>(*this, std::move(addresses));
    const std::lock_guard lock(mutex_);
    lanes_.push_back(made.get());
    return made;
}

void IoMux::remove(Lane& lane) {
    const std::lock_guard lock(mutex_);
    lanes_.erase(std::remove(lanes_.begin(), lanes_.end(), &lane), lanes_.end());
}

Result<std::size_t> IoMux::send(std::span<const net::ConstBytes> frames) {
    const std::lock_guard lock(send_mutex_);
    return base_.send(frames);
}

void IoMux::pump(std::chrono::steady_clock::time_point deadline) {
    std::vector<CapturedReply> got;
    base_.take_replies(got, std::min(deadline, std::chrono::steady_clock::now() + kPumpSlice));
    const std::lock_guard lock(mutex_);
    for (CapturedReply& r : got) {
        const auto it = std::find_if(lanes_.begin(), lanes_.end(), [&](const Lane* l) { return l->owns(r.reply.target); });
        if (it != lanes_.end()) {
            (*it)->queue.push_back(std::move(r));
        }
    }
    pumping_ = false;
    pumped_.notify_all();
}

void IoMux::take(Lane& lane, std::vector<CapturedReply>& out, std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    bool pumped = false;  // a poll (deadline now) still pumps once
    while (true) {
        const bool late = std::chrono::steady_clock::now() >= deadline;
        if (!lane.queue.empty() || (late && pumped)) {
            out.insert(out.end(), std::make_move_iterator(lane.queue.begin()), std::make_move_iterator(lane.queue.end()));
            lane.queue.clear();
            return;
        }
        if (pumping_) {  // another lane pumps for everyone
            if (late) {
                return;
            }
            pumped_.wait_until(lock, deadline);
            continue;
        }
        pumping_ = true;
        lock.unlock();
        pump(deadline);
        lock.lock();
        pumped = true;
    }
}

}  // namespace portwarden::engine

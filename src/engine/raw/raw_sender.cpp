#include "engine/raw/raw_sender.hpp"

#include <chrono>
#include <utility>

namespace portwarden::engine {

std::string send_all(RawIo& io, std::span<const net::ConstBytes> frames) {
    std::size_t done = 0;
    int stalls = 0;
    while (done < frames.size()) {
        auto sent = io.send(frames.subspan(done));
        if (!sent) {
            return sent.error().message;
        }
        done += *sent;
        if (*sent == 0) {
            if (++stalls > 20000) {  // about 2 s of a full queue
                return "the network interface stopped accepting packets";
            }
            std::this_thread::sleep_for(std::chrono::microseconds(100));
        }
    }
    return {};
}

HelperSender::HelperSender(RawIo& io) : io_(io), thread_([this] { loop(); }) {}

HelperSender::~HelperSender() {
    {
        const std::lock_guard lock(mutex_);
        quit_ = true;
    }
    cv_.notify_all();
    thread_.join();
}

std::uint64_t HelperSender::completed() {
    const std::lock_guard lock(mutex_);
    return completed_;
}

void HelperSender::submit(std::vector<net::ConstBytes> frames) {
    {
        const std::lock_guard lock(mutex_);
        queue_.push_back(std::move(frames));
    }
    cv_.notify_all();
}

std::string HelperSender::take_error() {
    const std::lock_guard lock(mutex_);
    return std::exchange(error_, {});
}

std::string HelperSender::drain() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return queue_.empty(); });
    return std::exchange(error_, {});
}

void HelperSender::loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
        cv_.wait(lock, [&] { return !queue_.empty() || quit_; });
        if (queue_.empty()) {
            return;  // quit, nothing pending
        }
        const std::vector<net::ConstBytes> batch = std::move(queue_.front());
        lock.unlock();
        std::string error = send_all(io_, batch);
        lock.lock();
        queue_.pop_front();  // only now: the scheduler counts the batch's buffers as in use
        ++completed_;
        if (!error.empty() && error_.empty()) {
            error_ = std::move(error);
        }
        cv_.notify_all();
    }
}

}  // namespace portwarden::engine

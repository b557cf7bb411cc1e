#pragma once
// A second sending thread. With veth and routed namespaces (and any software path), the kernel
// does the forwarding and the target's reply inside the sending thread's system call; one
// sender keeps one core busy while the other idles. The scheduler fills batches and hands them
// to this thread's queue (up to two waiting or in progress), sending a batch itself only when
// the queue is full, so the kernel's share runs on two cores and the helper, which has nothing
// else to do, takes the larger share. The scheduler still decides everything; this only calls
// RawIo::send.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/raw/raw_io.hpp"

namespace portwarden::engine {

// Sends `frames` completely (retrying while the kernel queue is full); an error when sending
// cannot go on. Used by both the scheduler and the helper.
std::string send_all(RawIo& io, std::span<const net::ConstBytes> frames);

class HelperSender {
public:
    explicit HelperSender(RawIo& io);
    ~HelperSender();
    HelperSender(const HelperSender&) = delete;
    HelperSender& operator=(const HelperSender&) = delete;

    // Batches handed over so far that are completely out (they finish in submission order).
    std::uint64_t completed();
    // Hands a batch over (queued behind the others); the frames' memory must stay untouched
    // until completed() counts it.
    void submit(std::vector<net::ConstBytes> frames);
    // Returns (and clears) the helper's error, if any, without waiting.
    std::string take_error();
    // Waits until the helper is idle; returns (and clears) its error, if any.
    std::string drain();

private:
    void loop();
    RawIo& io_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<std::vector<net::ConstBytes>> queue_;  // the front one is being sent
    std::uint64_t completed_ = 0;
    bool quit_ = false;
    std::string error_;
    std::thread thread_;
};

}  // namespace portwarden::engine

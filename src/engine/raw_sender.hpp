#pragma once
// A second sending thread. With veth and routed namespaces (and any software path), the kernel
// does the forwarding and the target's reply inside the sending thread's system call; one
// sender keeps one core busy while the other idles. The scheduler fills batches and hands every
// other batch to this thread (double buffering), sending the rest itself, so the kernel's share
// runs on two cores. The scheduler still decides everything; this only calls RawIo::send.
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/raw_io.hpp"

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

    // True when the helper is idle (its previous batch is out).
    bool idle();
    // Hands a batch over; the frames' memory must stay untouched until idle() is true again.
    void submit(std::vector<net::ConstBytes> frames);
    // Waits until the helper is idle; returns (and clears) its error, if any.
    std::string drain();

private:
    void loop();
    RawIo& io_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<net::ConstBytes> batch_;
    bool busy_ = false;
    bool quit_ = false;
    std::string error_;
    std::thread thread_;
};

}  // namespace portwarden::engine

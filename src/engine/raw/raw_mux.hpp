#pragma once
// Several RawRuns on one RawIo at once (pipelined host groups: the next group's run starts while
// the last one waits out its time-outs). Each run gets a lane: a RawIo whose replies are those
// whose target is one of the lane's addresses. Sends are serialized; whichever lane waits for
// replies pumps the shared io for all of them. A reply for no lane's address is dropped (a
// run would ignore it too).
#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "engine/raw/raw_io.hpp"
#include "portwarden/address.hpp"

namespace portwarden::engine {

class IoMux {
public:
    explicit IoMux(RawIo& base) : base_(base) {}
    IoMux(const IoMux&) = delete;
    IoMux& operator=(const IoMux&) = delete;

    // A lane for a run over `addresses`; it must not outlive the mux.
    std::unique_ptr<RawIo> lane(std::vector<Address> addresses);
    // Held while something else sends on the shared io's sockets (ARP / ND resolution).
    std::unique_lock<std::mutex> lock_sends() { return std::unique_lock(send_mutex_); }

private:
    class Lane;
    Result<std::size_t> send(std::span<const net::ConstBytes> frames);
    void take(Lane& lane, std::vector<CapturedReply>& out, std::chrono::steady_clock::time_point deadline);
    void pump(std::chrono::steady_clock::time_point deadline);  // with mutex_ not held
    void remove(Lane& lane);

    RawIo& base_;
    std::mutex send_mutex_;
    std::mutex mutex_;  // lanes_, each lane's queue, pumping_
    std::condition_variable pumped_;
    bool pumping_ = false;
    std::vector<Lane*> lanes_;
};

}  // namespace portwarden::engine

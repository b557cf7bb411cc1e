#pragma once
// RawPrepared (declared in portwarden/scan.hpp): a raw scan's packet receive ring, set up on a
// background thread from the moment a command knows it will scan with raw packets. Setting a
// ring up waits for a kernel RCU grace period (~8-16 ms); started early, that wait overlaps the
// rest of start-up (the services file, targets, output files, routes) instead of following it.
#include <future>
#include <mutex>
#include <optional>
#include <thread>

#include "io/packet_socket.hpp"
#include "io/route.hpp"
#include "portwarden/error.hpp"

namespace portwarden {

class RawPrepared {
public:
    // Starts setting up the scan's receive ring (for an Ethernet or loopback link).
    RawPrepared();
    // Waits for what is still being set up or closed.
    ~RawPrepared();
    RawPrepared(const RawPrepared&) = delete;
    RawPrepared& operator=(const RawPrepared&) = delete;

    // The prepared ring for a link of `kind` (waits for its set-up), handed out once; nothing when
    // it does not suit the link (an L3-only interface: it is closed on a background thread, as
    // a close waits for grace periods) or could not be set up (the caller opens its own, which
    // reports the error).
    std::optional<io::RxSocket> take_link(io::LinkKind kind);

private:
    std::mutex mutex_;
    std::future<Result<io::RxSocket>> link_;
    std::thread discarder_;
};

}  // namespace portwarden

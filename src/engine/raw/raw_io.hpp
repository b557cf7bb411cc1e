#pragma once
// What the raw scheduler needs from the network: send a batch of frames, and collect the
// validated replies (with their arrival times) that a receive thread matched to our probes.
// The real implementation (raw_link.cpp) sits on AF_PACKET sockets; tests use a fake.
#include <chrono>
#include <cstdint>
#include <span>
#include <vector>

#include "net/bytes.hpp"
#include "portwarden/error.hpp"
#include "techniques/technique.hpp"

namespace portwarden::engine {

struct CapturedReply {
    techniques::Reply reply;
    std::chrono::steady_clock::time_point at;
    const techniques::Module* module = nullptr;  // the module that validated it
};

struct RawIoStats {
    std::uint64_t frames_seen = 0;    // frames that passed the kernel filter
    std::uint64_t unmatched = 0;      // frames that answer no probe of ours (ignored), of which:
    std::uint64_t malformed = 0;      //   truncated or inconsistent (parse_frame refused them)
    std::uint64_t bad_checksum = 0;   //   an IPv4 header or L4 checksum that does not verify
    std::uint64_t unknown_probe = 0;  //   no probe of ours: cookie, ports or source address wrong
    std::uint64_t ring_drops = 0;     // frames the kernel dropped (receive ring full)
    std::uint64_t send_retries = 0;   // sends postponed because the kernel queue was full
};

class RawIo {
public:
    RawIo() = default;
    RawIo(const RawIo&) = delete;
    RawIo& operator=(const RawIo&) = delete;
    virtual ~RawIo() = default;

    // Sends the frames; returns how many went out (a prefix), or an error nothing can fix.
    virtual Result<std::size_t> send(std::span<const net::ConstBytes> frames) = 0;
    // Appends the replies matched since the last call to `out`; when there are none, waits for
    // one until `deadline`.
    virtual void take_replies(std::vector<CapturedReply>& out,
                              std::chrono::steady_clock::time_point deadline) = 0;
    virtual RawIoStats stats() = 0;
    // Set when the receive side failed (the run stops with this error).
    virtual std::string receive_error() = 0;
    // Nothing more will be sent or received: the sockets may start closing in the background
    // (closing a packet socket waits for RCU grace periods), while the caller goes on with
    // its results. Afterwards only stats() and receive_error() may be called.
    virtual void release() {}
};

}  // namespace portwarden::engine

#pragma once
// One port's walk through its probe plan: which probe next, what the responses said. Pure
// state (no sockets), driven by the event loop in prober.cpp.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "portwarden/address.hpp"
#include "portwarden/version.hpp"
#include "version/probe_db.hpp"
#include "version/service_fp.hpp"

namespace portwarden::version {

// What a response did to the port's walk.
enum class Step : std::uint8_t {
    wait,     // nothing settled: keep reading until the probe's wait is over
    done,     // a match settled the port
    restart,  // SSL found: the walk starts over, every connection now through TLS
};

struct PortTarget {
    Address address;
    Proto proto = Proto::tcp;
    std::uint16_t port = 0;
    bool tls = true;  // the ssl tunnel may be tried (OpenSSL could make a client context)
};

class PortProbing {
public:
    PortProbing(const ProbeDb& db, const PortTarget& target, int intensity, FingerprintHeader fp_header);

    // The next probe to send (skipping those that cannot confirm a softmatch), or none: done.
    std::optional<std::size_t> next_probe();
    // Bytes arrived for the current probe.
    Step add_response(std::string_view bytes);
    // The peer closed the connection of the current probe after `elapsed`.
    void peer_closed(std::chrono::milliseconds elapsed);

    const Probe& current() const { return db_->probes.at(plan_.at(next_ - 1)); }
    const Address& address() const { return target_.address; }
    Proto proto() const { return target_.proto; }
    std::uint16_t port() const { return target_.port; }
    bool done() const { return done_; }
    bool tunnel() const { return tunnel_; }          // probing inside TLS
    bool responded() const { return responded_; }    // some probe got bytes back
    // The answer: a hard match, else the softmatch, else tcpwrapped, else the fingerprint of
    // what answered, else nothing.
    std::optional<ServiceInfo> result() const;

private:
    void start_tunnel();

    const ProbeDb* db_;
    PortTarget target_;
    int intensity_;
    std::vector<std::size_t> plan_;
    std::size_t next_ = 0;
    std::string response_;
    std::optional<ServiceInfo> hard_, soft_, wrapped_;
    ServiceFingerprint fp_;
    bool done_ = false;
    bool tunnel_ = false;
    bool responded_ = false;
};

}  // namespace portwarden::version

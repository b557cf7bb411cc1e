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

namespace portwarden::version {

class PortProbing {
public:
    PortProbing(const ProbeDb& db, Address address, std::uint16_t port, int intensity);

    // The next probe to send (skipping those that cannot confirm a softmatch), or none: done.
    std::optional<std::size_t> next_probe();
    // Bytes arrived for the current probe; true when a match line settled the port.
    bool add_response(std::string_view bytes);
    // The peer closed the connection of the current probe after `elapsed`.
    void peer_closed(std::chrono::milliseconds elapsed);

    const Probe& current() const { return db_->probes.at(plan_.at(next_ - 1)); }
    const Address& address() const { return address_; }
    std::uint16_t port() const { return port_; }
    bool done() const { return done_; }
    // The answer: a hard match, else the softmatch, else tcpwrapped, else nothing.
    std::optional<ServiceInfo> result() const;

private:
    const ProbeDb* db_;
    Address address_;
    std::uint16_t port_;
    std::vector<std::size_t> plan_;
    std::size_t next_ = 0;
    std::string response_;
    std::optional<ServiceInfo> hard_, soft_, wrapped_;
    bool done_ = false;
};

}  // namespace portwarden::version

#pragma once
// --packet-trace for the connect scan: nmap's CONN lines, one when connect() starts and one when
// it finishes ("CONN (0.0420s) TCP localhost > 127.0.0.1:22 => Connection refused").
#include <chrono>
#include <cstdint>
#include <functional>
#include <string_view>

#include "portwarden/address.hpp"

namespace portwarden::engine {

struct ConnectTrace {
    std::function<void(std::string_view)> sink;  // empty: no trace
    std::chrono::steady_clock::time_point start{};

    explicit operator bool() const { return static_cast<bool>(sink); }
    // `error`: 0 (connected), EINPROGRESS, or the errno the attempt ended with.
    void connect_result(const Address& address, std::uint16_t port, int error,
                        std::chrono::steady_clock::time_point at) const;
};

}  // namespace portwarden::engine

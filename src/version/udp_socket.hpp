#pragma once
// One UDP probe of -sV: a non-blocking UDP socket connected to the port (so only its replies,
// and its ICMP port-unreachable as ECONNREFUSED, come back on it), the payload sent.
#include <cstdint>
#include <string_view>

#include "portwarden/address.hpp"

namespace portwarden::version {

// The socket, or -1 when none could be opened, connected or sent on.
int open_udp_probe(const Address& address, std::uint16_t port, std::string_view payload);

}  // namespace portwarden::version

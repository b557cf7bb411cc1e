#pragma once
// Protocol payloads for UDP probes, so that open ports of well-known services answer (an
// empty datagram gets no reply from most of them). Written from the protocol specifications.
#include <cstdint>
#include <span>

namespace portwarden::techniques {

// The probe payload for a destination port; empty when the port has none.
std::span<const std::uint8_t> udp_payload(std::uint16_t port);

// The ports that have a payload, ascending.
std::span<const std::uint16_t> udp_payload_ports();

}  // namespace portwarden::techniques

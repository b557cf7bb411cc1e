#pragma once
// Rewrites the TTL (IPv4) or hop limit (IPv6) of a built probe, for TTL-limited probes
// (--traceroute). IPv4's header checksum is recomputed; nothing above IP covers the TTL.
#include <cstdint>

#include "net/bytes.hpp"

namespace portwarden::net {

// `ip_offset`: where the IP header starts in `frame` (14 after an Ethernet header, 0 on raw-IP
// links). False when the frame is too short or holds no IPv4/IPv6 header there.
[[nodiscard]] bool set_ip_ttl(MutableBytes frame, std::size_t ip_offset, std::uint8_t ttl);

}  // namespace portwarden::net

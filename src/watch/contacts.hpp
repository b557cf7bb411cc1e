#pragma once
// Helpers over one source's state: the first-contact filter, the pending answers, nmap's
// host-discovery probe set, and the alert it makes.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "portwarden/watch.hpp"
#include "watch/source_table.hpp"

namespace portwarden::watch {

// nmap's default privileged host discovery (-sn, scanners.md 2.4): ICMP echo, ICMP timestamp,
// TCP SYN to 443, TCP ACK to 80. All four from one source = nmap -sn (or its ping phase).
inline constexpr std::uint8_t kAllDiscoveryBits = 0x0f;
std::uint8_t discovery_bit(const Probe& p);

// The port a first contact is keyed on: the TCP/UDP destination port, the ICMP type for ICMP.
std::uint16_t contact_port(const Probe& p);
// A (host, protocol, port)'s index in a source's 65,536-bit contact set: the port plus an offset
// per (host, protocol), so the ports of one host and protocol never share an index.
std::uint16_t contact_index(const Address& host, std::uint8_t protocol, std::uint16_t port);

// Sets the bit `hash` picks; true if it was clear (a first contact, barring collisions).
template <std::size_t N>
bool set_bit(std::array<std::uint64_t, N>& bits, std::uint32_t hash) {
    const std::size_t index = hash % (N * 64);
    const std::uint64_t mask = std::uint64_t{1} << (index % 64);
    const bool was_clear = (bits[index / 64] & mask) == 0;
    bits[index / 64] |= mask;
    return was_clear;
}

Pending* find_pending(SourceState& s, std::uint32_t host_hash, std::uint8_t protocol, std::uint16_t port);

inline constexpr std::string_view kDecidedByWalk = "trw";
inline constexpr std::string_view kDecidedByDiscovery = "nmap-discovery";
inline constexpr std::string_view kDecidedByFingerprint = "fingerprint";

// The source's alert as of now. Decided by nmap's discovery probe set, it says ping-sweep / nmap
// until a scan is decided on what followed (s.relabelled); then the later probes name it.
Alert make_alert(const SourceState& s, double now);

}  // namespace portwarden::watch

#pragma once
// The baseline group of a host's replies: its TTL, and how its RSTs and SYN-ACKs number their
// IP IDs and set their window.
#include <cstdint>
#include <span>

#include "portwarden/responder.hpp"

namespace portwarden::responder {

// Outliers within the baseline's own TTL are judged only against at least this many RSTs.
inline constexpr std::uint32_t kMinOutlierGroup = 20;
// A behaviour (IP ID zero or constant, one RST window) holds when this share of the group has it.
inline constexpr double kMajority = 0.95;
// The port-spoofer test needs at least this many SYN-probed ports, 90 % of them open.
inline constexpr std::uint32_t kMinSpooferPorts = 20;
// A host answering SYN-ACK on this many ports runs no real services on all of them.
inline constexpr std::uint32_t kManyServices = 1000;
// A SYN-ACK window at most this (on every port) is a tarpit's (LaBrea answers with 0 or 10).
inline constexpr std::uint16_t kTarpitWindow = 16;

// The smallest of 32, 64, 128, 255 not below ttl (see hops_from_ttl).
unsigned initial_ttl(std::uint8_t ttl);

// The baseline of the TCP replies from the target with this TTL.
ResponderBaseline describe_group(std::span<const ReplyFacts> replies, std::uint8_t ttl);

}  // namespace portwarden::responder

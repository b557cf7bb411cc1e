#pragma once
// Checksum verification of a parsed frame: the IPv4 header checksum and the TCP / UDP / ICMP /
// ICMPv6 checksum of the outer packet. A reply whose checksum fails was corrupted (or forged
// carelessly) and says nothing: the receiving host's kernel would drop it too.
#include "net/bytes.hpp"
#include "net/packet_view.hpp"

namespace portwarden::net {

// True when every checksum of `packet` (parsed from `frame`) verifies, or cannot be verified: a
// first fragment (its L4 checksum covers later fragments), an IPv4 UDP checksum of 0 (none sent).
bool checksums_ok(ConstBytes frame, const ParsedPacket& packet);

}  // namespace portwarden::net

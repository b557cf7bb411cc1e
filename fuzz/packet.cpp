// Packet views: parse_frame() on any bytes, as an Ethernet frame (with VLAN tags) and as a raw
// IP packet (IPv4, IPv6 with extension headers, TCP, UDP, ICMP with quoted headers), and the
// checksum verification of what parses.
#include <cstddef>
#include <cstdint>

#include "net/packet_checksum.hpp"
#include "net/packet_view.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace portwarden::net;
    const ConstBytes frame(data, size);
    for (const LinkType link : {LinkType::ethernet, LinkType::raw_ip}) {
        const auto parsed = parse_frame(frame, link);
        if (!parsed) {
            continue;
        }
        // The offsets a parse returns must lie inside the frame.
        if (parsed->payload_offset + parsed->payload_length > size || parsed->l4_offset > size) {
            __builtin_trap();
        }
        if (parsed->icmp && parsed->icmp->query) {
            (void)parsed->icmp->query->data();
        }
        (void)checksums_ok(frame, *parsed);  // reads only inside the frame (ASan checks)
    }
    return 0;
}

#include "net/packet_checksum.hpp"

namespace portwarden::net {

namespace {
constexpr std::size_t kUdpChecksumOffset = 6;
}  // namespace

bool checksums_ok(ConstBytes frame, const ParsedPacket& packet) {
    if (packet.l4_offset > frame.size() || packet.l4_length > frame.size() - packet.l4_offset) {
        return false;
    }
    if (packet.family == Family::v4) {
        const auto header = slice(frame, packet.ip_offset, packet.l4_offset - packet.ip_offset);
        if (!header || internet_checksum(*header) != 0) {
            return false;
        }
    }
    if (packet.first_fragment) {
        return true;
    }
    const ConstBytes segment = frame.subspan(packet.l4_offset, packet.l4_length);
    if (packet.udp && packet.family == Family::v4) {
        const auto stored = load_be16(segment, kUdpChecksumOffset);
        if (stored && *stored == 0) {
            return true;  // IPv4 UDP without a checksum
        }
    }
    if (packet.tcp || packet.udp || (packet.icmp && packet.family == Family::v6)) {
        // The sum over the pseudo-header and the segment with its checksum field is 0xffff.
        ChecksumSum sum = pseudo_header_sum(packet.src, packet.dst, packet.protocol,
                                            static_cast<std::uint32_t>(packet.l4_length));
        return sum.add(segment).finish() == 0;
    }
    if (packet.icmp) {
        return internet_checksum(segment) == 0;
    }
    return true;  // another protocol: no reply of ours, nothing to verify
}

}  // namespace portwarden::net

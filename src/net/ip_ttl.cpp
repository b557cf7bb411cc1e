#include "net/ip_ttl.hpp"

namespace portwarden::net {

bool set_ip_ttl(MutableBytes frame, std::size_t ip_offset, std::uint8_t ttl) {
    const ConstBytes view(frame.data(), frame.size());
    const auto first = load_u8(view, ip_offset);
    if (!first) {
        return false;
    }
    const unsigned version = *first >> 4U;
    if (version == 6) {
        return fits(frame.size(), ip_offset, 40) && store_u8(frame, ip_offset + 7, ttl);
    }
    const std::size_t header = std::size_t{*first & 0x0fU} * 4;
    if (version != 4 || header < 20 || !fits(frame.size(), ip_offset, header)) {
        return false;
    }
    if (!store_u8(frame, ip_offset + 8, ttl) || !store_be16(frame, ip_offset + 10, 0)) {
        return false;
    }
    const auto ip = slice(view, ip_offset, header);
    return ip && store_be16(frame, ip_offset + 10, internet_checksum(*ip));
}

}  // namespace portwarden::net

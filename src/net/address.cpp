#include "portwarden/address.hpp"

#include <arpa/inet.h>

#include <cstring>
#include <string>

namespace portwarden {

Address Address::from_v4(std::uint32_t host_order) {
    Address a;
    a.family_ = Family::v4;
    a.bytes_[0] = static_cast<std::uint8_t>(host_order >> 24);
    a.bytes_[1] = static_cast<std::uint8_t>(host_order >> 16);
    a.bytes_[2] = static_cast<std::uint8_t>(host_order >> 8);
    a.bytes_[3] = static_cast<std::uint8_t>(host_order);
    return a;
}

Address Address::from_v6(const std::array<std::uint8_t, 16>& bytes) {
    Address a;
    a.family_ = Family::v6;
    a.bytes_ = bytes;
    return a;
}

std::optional<Address> Address::parse(std::string_view text) {
    if (text.empty() || text.size() > 64) {
        return std::nullopt;
    }
    const std::string s(text);
    std::array<std::uint8_t, 16> buf{};
    if (s.find(':') == std::string::npos) {
        if (inet_pton(AF_INET, s.c_str(), buf.data()) != 1) {
            return std::nullopt;
        }
        Address a;
        a.family_ = Family::v4;
        std::memcpy(a.bytes_.data(), buf.data(), 4);
        return a;
    }
    if (inet_pton(AF_INET6, s.c_str(), buf.data()) != 1) {
        return std::nullopt;
    }
    return from_v6(buf);
}

std::uint32_t Address::v4() const {
    return (std::uint32_t{bytes_[0]} << 24) | (std::uint32_t{bytes_[1]} << 16) |
           (std::uint32_t{bytes_[2]} << 8) | std::uint32_t{bytes_[3]};
}

std::string Address::to_string() const {
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(is_v4() ? AF_INET : AF_INET6, bytes_.data(), buf, sizeof buf);
    return std::string(buf);
}

}  // namespace portwarden

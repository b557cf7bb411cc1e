// Pure parts of the inventory: bind kinds, the exposure known without a firewall, names.
#include <algorithm>
#include <array>

#include "portwarden/inventory.hpp"

namespace portwarden {

std::string_view to_string(BindKind k) {
    switch (k) {
        case BindKind::wildcard: return "wildcard";
        case BindKind::specific: return "specific";
        case BindKind::loopback: return "loopback";
    }
    return "?";
}

std::optional<BindKind> parse_bind_kind(std::string_view text) {
    for (const BindKind k : {BindKind::wildcard, BindKind::specific, BindKind::loopback}) {
        if (text == to_string(k)) {
            return k;
        }
    }
    return std::nullopt;
}

std::string_view to_string(Exposure e) {
    switch (e) {
        case Exposure::unknown: return "unknown";
        case Exposure::local_only: return "local-only";
        case Exposure::exposed: return "exposed";
        case Exposure::firewalled: return "firewalled";
    }
    return "?";
}

BindKind classify_bind(const Address& address, std::optional<std::string_view> device) {
    if (device == "lo") {
        return BindKind::loopback;  // SO_BINDTODEVICE lo: only loopback traffic reaches it
    }
    const auto bytes = address.bytes();
    std::span<const std::uint8_t> v4;  // the IPv4 address, for IPv4 and v4-mapped IPv6
    if (address.is_v4()) {
        v4 = bytes;
    } else {
        static constexpr std::array<std::uint8_t, 12> mapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (std::equal(mapped.begin(), mapped.end(), bytes.begin())) {
            v4 = bytes.subspan(12);
        } else {
            const bool zero_head = std::all_of(bytes.begin(), bytes.end() - 1, [](std::uint8_t b) { return b == 0; });
            if (zero_head && bytes.back() == 1) {
                return BindKind::loopback;  // ::1
            }
            if (zero_head && bytes.back() == 0) {
                return BindKind::wildcard;  // ::
            }
            return BindKind::specific;
        }
    }
    if (v4[0] == 127) {
        return BindKind::loopback;
    }
    const bool any = std::all_of(v4.begin(), v4.end(), [](std::uint8_t b) { return b == 0; });
    return any ? BindKind::wildcard : BindKind::specific;
}

Exposure exposure_without_firewall(const Listener& listener) {
    return listener.bind == BindKind::loopback ? Exposure::local_only : Exposure::unknown;
}

}  // namespace portwarden

#pragma once
// What every fuzz target shares: the input as text, and the fixed scan context the reply
// targets validate against (the corpus generator builds its replies with the same one).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "techniques/technique.hpp"

namespace portwarden::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
    return size == 0 ? std::string_view{} : std::string_view(reinterpret_cast<const char*>(data), size);
}

inline techniques::ScanContext scan_context() {
    techniques::ScanContext c;
    c.key = net::SipKey{0x0123456789abcdefULL, 0xfedcba9876543210ULL};
    c.source_v4 = Address::parse("198.18.0.1");
    c.source_v6 = Address::parse("fd00::1");
    return c;
}

}  // namespace portwarden::fuzz

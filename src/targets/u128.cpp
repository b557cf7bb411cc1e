#include "targets/u128.hpp"

#include <algorithm>
#include <array>
#include <cstddef>

namespace portwarden::detail {

U128 add(U128 a, std::uint64_t b) {
    U128 r{a.hi, a.lo + b};
    if (r.lo < a.lo) {
        r.hi += 1;
    }
    return r;
}

U128 sub(U128 a, U128 b) {
    U128 r{a.hi - b.hi, a.lo - b.lo};
    if (a.lo < b.lo) {
        r.hi -= 1;
    }
    return r;
}

U128 clear_low_bits(U128 v, unsigned bits) {
    if (bits >= 128) {
        return U128{};
    }
    if (bits >= 64) {
        const unsigned hi_bits = bits - 64;
        const std::uint64_t mask = hi_bits == 0 ? ~std::uint64_t{0} : ~((std::uint64_t{1} << hi_bits) - 1);
        return U128{v.hi & mask, 0};
    }
    const std::uint64_t mask = bits == 0 ? ~std::uint64_t{0} : ~((std::uint64_t{1} << bits) - 1);
    return U128{v.hi, v.lo & mask};
}

U128 to_u128(const Address& address) {
    if (address.is_v4()) {
        return U128{0, address.v4()};
    }
    U128 r;
    const auto bytes = address.bytes();
    for (std::size_t i = 0; i < 8; ++i) {
        r.hi = (r.hi << 8) | bytes[i];
        r.lo = (r.lo << 8) | bytes[i + 8];
    }
    return r;
}

Address from_u128(Family family, U128 value) {
    if (family == Family::v4) {
        return Address::from_v4(static_cast<std::uint32_t>(value.lo));
    }
    std::array<std::uint8_t, 16> bytes{};
    for (std::size_t i = 0; i < 8; ++i) {
        const unsigned shift = static_cast<unsigned>(56 - 8 * i);
        bytes[i] = static_cast<std::uint8_t>(value.hi >> shift);
        bytes[i + 8] = static_cast<std::uint8_t>(value.lo >> shift);
    }
    return Address::from_v6(bytes);
}

Address address_plus(const Address& first, std::uint64_t offset) {
    return from_u128(first.family(), add(to_u128(first), offset));
}

std::string pow2_decimal(unsigned bits) {
    std::string digits = "1";  // least significant digit first
    for (unsigned i = 0; i < bits; ++i) {
        int carry = 0;
        for (char& c : digits) {
            const int d = (c - '0') * 2 + carry;
            c = static_cast<char>('0' + d % 10);
            carry = d / 10;
        }
        if (carry != 0) {
            digits.push_back(static_cast<char>('0' + carry));
        }
    }
    std::reverse(digits.begin(), digits.end());
    return digits;
}

}  // namespace portwarden::detail

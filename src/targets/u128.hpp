#pragma once
// Unsigned 128-bit values for address arithmetic (IPv6 intervals); IPv4 uses the low 32 bits.
#include <compare>
#include <cstdint>
#include <string>

#include "portwarden/address.hpp"

namespace portwarden::detail {

struct U128 {
    std::uint64_t hi = 0;
    std::uint64_t lo = 0;
    friend auto operator<=>(const U128&, const U128&) = default;
};

inline constexpr U128 u128_max{~std::uint64_t{0}, ~std::uint64_t{0}};

// a + b and a - b, wrapping modulo 2^128.
U128 add(U128 a, std::uint64_t b);
U128 sub(U128 a, U128 b);
// v with its `bits` lowest bits cleared (bits <= 128).
U128 clear_low_bits(U128 v, unsigned bits);

U128 to_u128(const Address& address);
Address from_u128(Family family, U128 value);
// The address `offset` places after `first` (same family; caller keeps it in range).
Address address_plus(const Address& first, std::uint64_t offset);

// 2^bits in decimal, for any bits (error messages about huge prefixes).
std::string pow2_decimal(unsigned bits);

}  // namespace portwarden::detail

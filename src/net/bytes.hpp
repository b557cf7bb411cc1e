#pragma once
// Bounds-checked big-endian field access on byte spans, and the Internet checksum
// (RFC 1071) with the TCP/UDP pseudo-headers for IPv4 (RFC 793/768) and IPv6 (RFC 8200 8.1).
// Every access is checked: loads return std::nullopt and stores return false when the
// field does not fit. Nothing here throws or reads outside the span.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "portwarden/address.hpp"

namespace portwarden::net {

using ConstBytes = std::span<const std::uint8_t>;
using MutableBytes = std::span<std::uint8_t>;

// True when [offset, offset + length) lies inside a span of `size` bytes (overflow-safe).
constexpr bool fits(std::size_t size, std::size_t offset, std::size_t length) {
    return offset <= size && length <= size - offset;
}

// The sub-span [offset, offset + length), or nullopt when it does not fit.
std::optional<ConstBytes> slice(ConstBytes data, std::size_t offset, std::size_t length);
// The sub-span [offset, end), or nullopt when offset is past the end.
std::optional<ConstBytes> slice_from(ConstBytes data, std::size_t offset);

// The loads and stores are inline: every reply's parse and every probe's patch runs them.
inline std::optional<std::uint8_t> load_u8(ConstBytes data, std::size_t offset) {
    if (!fits(data.size(), offset, 1)) {
        return std::nullopt;
    }
    return data[offset];
}

inline std::optional<std::uint16_t> load_be16(ConstBytes data, std::size_t offset) {
    if (!fits(data.size(), offset, 2)) {
        return std::nullopt;
    }
    return static_cast<std::uint16_t>((data[offset] << 8) | data[offset + 1]);
}

inline std::optional<std::uint32_t> load_be32(ConstBytes data, std::size_t offset) {
    if (!fits(data.size(), offset, 4)) {
        return std::nullopt;
    }
    return (std::uint32_t{data[offset]} << 24) | (std::uint32_t{data[offset + 1]} << 16) |
           (std::uint32_t{data[offset + 2]} << 8) | std::uint32_t{data[offset + 3]};
}

// Copies all of `src` to data[offset...].
[[nodiscard]] bool store_bytes(MutableBytes data, std::size_t offset, ConstBytes src);

[[nodiscard]] inline bool store_u8(MutableBytes data, std::size_t offset, std::uint8_t value) {
    if (!fits(data.size(), offset, 1)) {
        return false;
    }
    data[offset] = value;
    return true;
}

[[nodiscard]] inline bool store_be16(MutableBytes data, std::size_t offset, std::uint16_t value) {
    if (!fits(data.size(), offset, 2)) {
        return false;
    }
    data[offset] = static_cast<std::uint8_t>(value >> 8);
    data[offset + 1] = static_cast<std::uint8_t>(value);
    return true;
}

[[nodiscard]] inline bool store_be32(MutableBytes data, std::size_t offset, std::uint32_t value) {
    if (!fits(data.size(), offset, 4)) {
        return false;
    }
    data[offset] = static_cast<std::uint8_t>(value >> 24);
    data[offset + 1] = static_cast<std::uint8_t>(value >> 16);
    data[offset + 2] = static_cast<std::uint8_t>(value >> 8);
    data[offset + 3] = static_cast<std::uint8_t>(value);
    return true;
}

// Internet checksum arithmetic. A ChecksumSum is the one's-complement sum before folding;
// spans are summed as big-endian 16-bit words, an odd trailing byte padded with zero.
// Spans may be added in any order, but each must start at an even offset of the data being
// checksummed, so only the span that ends the data may have odd length.
class ChecksumSum {
public:
    ChecksumSum() = default;
    ChecksumSum& add(ConstBytes data);
    ChecksumSum& add16(std::uint16_t word);
    ChecksumSum& add32(std::uint32_t value);
    ChecksumSum& add(const ChecksumSum& other);
    // The 16-bit one's-complement of the folded sum: the value to put in a checksum field.
    std::uint16_t finish() const;

private:
    std::uint64_t sum_ = 0;
};

// RFC 1071 checksum over `data` (0 when a buffer with its checksum field filled in verifies).
std::uint16_t internet_checksum(ConstBytes data);

// Sum of the TCP/UDP pseudo-header for the family of `src` (src and dst must share it):
// IPv4 = src, dst, zero, protocol, 16-bit length; IPv6 = src, dst, 32-bit length, next header.
ChecksumSum pseudo_header_sum(const Address& src, const Address& dst, std::uint8_t protocol,
                              std::uint32_t l4_length);

// Checksum of an L4 segment (its checksum field must be zero, or the result is 0 when it
// verifies) including the pseudo-header. UDP callers map a computed 0 to 0xffff.
std::uint16_t l4_checksum(const Address& src, const Address& dst, std::uint8_t protocol,
                          ConstBytes segment);

}  // namespace portwarden::net

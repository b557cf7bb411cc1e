#include "net/bytes.hpp"

#include <array>
#include <bit>
#include <cstring>

namespace portwarden::net {

std::optional<ConstBytes> slice(ConstBytes data, std::size_t offset, std::size_t length) {
    if (!fits(data.size(), offset, length)) {
        return std::nullopt;
    }
    return data.subspan(offset, length);
}

std::optional<ConstBytes> slice_from(ConstBytes data, std::size_t offset) {
    if (offset > data.size()) {
        return std::nullopt;
    }
    return data.subspan(offset);
}

bool store_bytes(MutableBytes data, std::size_t offset, ConstBytes src) {
    if (!fits(data.size(), offset, src.size())) {
        return false;
    }
    if (!src.empty()) {
        std::memcpy(data.subspan(offset, src.size()).data(), src.data(), src.size());
    }
    return true;
}

// RFC 1071 2(B): a one's-complement sum does not depend on byte order. The words are summed as
// the machine loads them, four bytes at a time (end-around carries fold later), and the folded
// sum is put in network order once: every reply's checksums are verified, 2 bytes at a time
// cost ~70 ns a reply.
ChecksumSum& ChecksumSum::add(ConstBytes data) {
    std::uint64_t acc = 0;
    std::size_t i = 0;
    for (; i + 4 <= data.size(); i += 4) {
        std::uint32_t word = 0;
        std::memcpy(&word, data.subspan(i, 4).data(), 4);
        acc += word;
    }
    if (data.size() - i >= 2) {
        std::uint16_t word = 0;
        std::memcpy(&word, data.subspan(i, 2).data(), 2);
        acc += word;
        i += 2;
    }
    if (i < data.size()) {  // an odd last byte: the first of a word padded with zero
        const std::array<std::uint8_t, 2> odd{data[i], 0};
        std::uint16_t word = 0;
        std::memcpy(&word, odd.data(), 2);
        acc += word;
    }
    while ((acc >> 16) != 0) {
        acc = (acc & 0xffffU) + (acc >> 16);
    }
    auto folded = static_cast<std::uint16_t>(acc);
    if constexpr (std::endian::native == std::endian::little) {
        folded = static_cast<std::uint16_t>((folded >> 8) | (folded << 8));
    }
    sum_ += folded;
    return *this;
}

ChecksumSum& ChecksumSum::add16(std::uint16_t word) {
    sum_ += word;
    return *this;
}

ChecksumSum& ChecksumSum::add32(std::uint32_t value) {
    sum_ += value >> 16;
    sum_ += value & 0xffffU;
    return *this;
}

ChecksumSum& ChecksumSum::add(const ChecksumSum& other) {
    sum_ += other.sum_;
    return *this;
}

std::uint16_t ChecksumSum::finish() const {
    std::uint64_t s = sum_;
    while ((s >> 16) != 0) {
        s = (s & 0xffffU) + (s >> 16);
    }
    return static_cast<std::uint16_t>(~s & 0xffffU);
}

std::uint16_t internet_checksum(ConstBytes data) {
    return ChecksumSum{}.add(data).finish();
}

ChecksumSum pseudo_header_sum(const Address& src, const Address& dst, std::uint8_t protocol,
                              std::uint32_t l4_length) {
    ChecksumSum sum;
    sum.add(src.bytes()).add(dst.bytes()).add16(protocol);
    if (src.is_v4()) {
        sum.add16(static_cast<std::uint16_t>(l4_length));
    } else {
        sum.add32(l4_length);
    }
    return sum;
}

std::uint16_t l4_checksum(const Address& src, const Address& dst, std::uint8_t protocol,
                          ConstBytes segment) {
    const auto length = static_cast<std::uint32_t>(segment.size());
    return pseudo_header_sum(src, dst, protocol, length).add(segment).finish();
}

}  // namespace portwarden::net

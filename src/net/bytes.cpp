#include "net/bytes.hpp"

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

ChecksumSum& ChecksumSum::add(ConstBytes data) {
    std::size_t i = 0;
    for (; i + 1 < data.size(); i += 2) {
        sum_ += static_cast<std::uint64_t>((data[i] << 8) | data[i + 1]);
    }
    if (i < data.size()) {
        sum_ += static_cast<std::uint64_t>(data[i] << 8);
    }
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

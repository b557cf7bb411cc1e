#include "watch/distinct_hosts.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace portwarden::watch {

namespace {
constexpr unsigned kIndexBits = 7;  // log2(kRegisters)
constexpr std::uint8_t kMaxRank = 15;  // four bits: saturates only past ~128 x 2^15 = 4 M addresses
static_assert(std::size_t{1} << kIndexBits == DistinctHosts::kRegisters);
}  // namespace

std::uint8_t DistinctHosts::rank(std::size_t index) const {
    return static_cast<std::uint8_t>((ranks_[index / 2] >> (4 * (index % 2))) & 0x0f);
}

void DistinctHosts::add(std::uint32_t hash) {
    const std::size_t bit = hash % kBits;  // the low bits; the registers use the high ones
    bits_[bit / 64] |= std::uint64_t{1} << (bit % 64);
    const std::size_t index = hash >> (32 - kIndexBits);
    const std::uint32_t rest = hash << kIndexBits;
    const auto r = static_cast<std::uint8_t>(std::min<int>(std::countl_zero(rest) + 1, kMaxRank));
    if (r > rank(index)) {
        const unsigned shift = 4 * (index % 2);
        const auto keep = static_cast<std::uint8_t>(ranks_[index / 2] & ~(0x0f << shift));
        ranks_[index / 2] = static_cast<std::uint8_t>(keep | (r << shift));
    }
}

std::uint32_t DistinctHosts::estimate() const {
    std::size_t set = 0;
    for (const std::uint64_t word : bits_) {
        set += static_cast<std::size_t>(std::popcount(word));
    }
    const double m = static_cast<double>(kBits);
    const double linear = m * std::log(m / std::max(m - static_cast<double>(set), 1.0));
    // Linear counting's error grows as the bits fill: 6 % at 320 addresses, 9 % (HyperLogLog's)
    // near 3 x 256. Below that it is the better estimate, and HyperLogLog is biased below 320.
    if (linear < 3 * m) {
        return static_cast<std::uint32_t>(std::lround(linear));
    }
    const double registers = static_cast<double>(kRegisters);
    double sum = 0;
    for (std::size_t i = 0; i < kRegisters; ++i) {
        sum += std::ldexp(1.0, -rank(i));
    }
    const double alpha = 0.7213 / (1 + 1.079 / registers);
    const double hll = alpha * registers * registers / sum;
    return static_cast<std::uint32_t>(std::lround(hll));
}

}  // namespace portwarden::watch

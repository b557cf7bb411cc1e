#pragma once
// How many distinct addresses one source tried, in 96 bytes per source: linear counting over 256
// bits (Whang et al. 1990) while few, HyperLogLog (Flajolet et al. 2007) over 128 four-bit
// registers beyond. Linear counting alone saturates: its 256 bits are all set after ~1,400
// addresses, and 256 ln 256 = 1,420 was the most it could say (a /16 sweep read "1420 hosts").
// HyperLogLog's standard error is 1.04 / sqrt(128) = 9 % at any count up to millions; it is
// used from 3 x 256 = 768 on, where linear counting's error has grown to about as much (and below
// 2.5 x 128 = 320 HyperLogLog is biased).
#include <array>
#include <cstddef>
#include <cstdint>

namespace portwarden::watch {

class DistinctHosts {
public:
    static constexpr std::size_t kBits = 256;       // linear counting
    static constexpr std::size_t kRegisters = 128;  // HyperLogLog, 4 bits each

    // `hash`: the address's 32-bit hash (hash_address), well mixed.
    void add(std::uint32_t hash);
    std::uint32_t estimate() const;

private:
    std::uint8_t rank(std::size_t index) const;
    std::array<std::uint64_t, kBits / 64> bits_{};
    std::array<std::uint8_t, kRegisters / 2> ranks_{};  // two registers per byte
};

}  // namespace portwarden::watch

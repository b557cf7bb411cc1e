#pragma once
// A keyed bijection of [0, n): index i -> a pseudo-random position, each exactly once.
// A balanced Feistel network over the smallest even power of two >= n, with cycle walking
// (Black & Rogaway, "Ciphers with Arbitrary Finite Domains"), so order is random but
// nothing is skipped or repeated, and no table of n entries is kept.
#include <cstdint>

namespace portwarden::targets {

class Permutation {
public:
    Permutation(std::uint64_t n, std::uint64_t seed);
    std::uint64_t size() const { return n_; }
    std::uint64_t operator()(std::uint64_t index) const;  // requires index < size()

private:
    std::uint64_t encrypt(std::uint64_t x) const;
    std::uint64_t n_;
    std::uint64_t seed_;
    unsigned half_bits_ = 1;
    std::uint64_t half_mask_ = 1;
};

}  // namespace portwarden::targets

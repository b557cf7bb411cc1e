#include "targets/permutation.hpp"

namespace portwarden::targets {
namespace {

constexpr std::uint64_t rounds = 4;
constexpr std::uint64_t round_key_step = 0x632be59bd9b4e019U;

std::uint64_t mix(std::uint64_t x) {
    // splitmix64 finalizer: a good avalanche for the Feistel round function.
    x += 0x9e3779b97f4a7c15U;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9U;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebU;
    return x ^ (x >> 31);
}

}  // namespace

Permutation::Permutation(std::uint64_t n, std::uint64_t seed) : n_(n), seed_(seed) {
    unsigned bits = 2;
    while (bits < 64 && (std::uint64_t{1} << bits) < n) {
        bits += 2;
    }
    half_bits_ = bits / 2;
    half_mask_ = (std::uint64_t{1} << half_bits_) - 1;
}

std::uint64_t Permutation::encrypt(std::uint64_t x) const {
    std::uint64_t left = x >> half_bits_;
    std::uint64_t right = x & half_mask_;
    for (std::uint64_t round = 0; round < rounds; ++round) {
        const std::uint64_t f = mix(right ^ (seed_ + round * round_key_step)) & half_mask_;
        const std::uint64_t next = left ^ f;
        left = right;
        right = next;
    }
    return (left << half_bits_) | right;
}

std::uint64_t Permutation::operator()(std::uint64_t index) const {
    if (n_ <= 1) {
        return index;
    }
    std::uint64_t x = encrypt(index);
    while (x >= n_) {  // cycle walking: the domain is < 4n, so this ends fast
        x = encrypt(x);
    }
    return x;
}

}  // namespace portwarden::targets

#include <gtest/gtest.h>

#include <vector>

#include "targets/permutation.hpp"

using portwarden::targets::Permutation;

TEST(Permutation, IsABijectionForManySizes) {
    for (std::uint64_t n : {1ULL, 2ULL, 3ULL, 5ULL, 16ULL, 17ULL, 1000ULL, 65535ULL, 65536ULL, 100003ULL}) {
        const Permutation p(n, 0x1234 + n);
        std::vector<bool> seen(n, false);
        for (std::uint64_t i = 0; i < n; ++i) {
            const std::uint64_t x = p(i);
            ASSERT_LT(x, n) << "n=" << n;
            ASSERT_FALSE(seen[x]) << "n=" << n << " repeats " << x;
            seen[x] = true;
        }
    }
}

TEST(Permutation, SeedChangesOrderAndIsDeterministic) {
    const Permutation a(65535, 1);
    const Permutation b(65535, 2);
    const Permutation a2(65535, 1);
    int same = 0;
    for (std::uint64_t i = 0; i < 1000; ++i) {
        EXPECT_EQ(a(i), a2(i));
        same += a(i) == b(i) ? 1 : 0;
    }
    EXPECT_LT(same, 10);
}

TEST(Permutation, ActuallyShuffles) {
    const Permutation p(65535, 7);
    int in_place = 0;
    for (std::uint64_t i = 0; i < 65535; ++i) {
        in_place += p(i) == i ? 1 : 0;
    }
    EXPECT_LT(in_place, 100);
}

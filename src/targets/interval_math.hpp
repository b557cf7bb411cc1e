#pragma once
// Set algebra on address intervals, in place where possible so huge sets (16M separate
// intervals from "*.*.*.1") are not copied around. Order: all IPv4 before IPv6, then by
// first address. Every stored count is at most 2^63, so 2^64 IPv6 addresses take two.
#include <cstdint>
#include <vector>

#include "portwarden/targets.hpp"

namespace portwarden::detail {

inline constexpr std::uint64_t max_interval_count = std::uint64_t{1} << 63;

// Sorts (unless already sorted) and joins overlapping and adjacent intervals, reusing the
// storage it is given (pass with std::move).
std::vector<TargetSet::Interval> merged(std::vector<TargetSet::Interval> intervals);
// `from` minus `minus`; both merged.
std::vector<TargetSet::Interval> subtract(const std::vector<TargetSet::Interval>& from,
                                          const std::vector<TargetSet::Interval>& minus);

}  // namespace portwarden::detail

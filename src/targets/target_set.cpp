// TargetSet: specs appended as intervals; normalize() merges, subtracts exclusions and builds
// prefix sums lazily, so adding many specs stays linear and at() is a binary search.
#include <algorithm>
#include <cstddef>
#include <limits>
#include <utility>

#include <fmt/format.h>

#include "portwarden/targets.hpp"
#include "targets/interval_math.hpp"
#include "targets/target_spec.hpp"
#include "targets/u128.hpp"

namespace portwarden {

namespace {

// The set's ranges (added and excluded) stay within options.max_ranges.
Result<void> check_ranges(std::string_view spec, std::size_t held, std::size_t more, const TargetParseOptions& options) {
    if (std::uint64_t{held} + more > options.max_ranges) {
        return fail(fmt::format("bad target '{}': more than {} separate address ranges in all, the limit", spec,
                                options.max_ranges));
    }
    return {};
}

}  // namespace

Result<void> TargetSet::add(std::string_view spec, const TargetParseOptions& options) {
    auto parsed = detail::parse_target_spec(spec, options);
    if (!parsed) {
        return tl::unexpected(parsed.error());
    }
    if (auto ok = check_ranges(spec, included_.size() + excluded_.size(), parsed->intervals.size(), options); !ok) {
        return ok;
    }
    if (included_.empty()) {
        included_ = std::move(parsed->intervals);
    } else {
        included_.insert(included_.end(), parsed->intervals.begin(), parsed->intervals.end());
    }
    if (parsed->hostname) {
        names_.emplace(parsed->host_address, *parsed->hostname);
    }
    dirty_ = true;
    return {};
}

Result<void> TargetSet::exclude(std::string_view spec, const TargetParseOptions& options) {
    auto parsed = detail::parse_target_spec(spec, options);
    if (!parsed) {
        return tl::unexpected(parsed.error());
    }
    if (auto ok = check_ranges(spec, included_.size() + excluded_.size(), parsed->intervals.size(), options); !ok) {
        return ok;
    }
    excluded_.insert(excluded_.end(), parsed->intervals.begin(), parsed->intervals.end());
    dirty_ = true;
    return {};
}

void TargetSet::normalize() const {
    if (!dirty_) {
        return;
    }
    included_ = detail::merged(std::move(included_));
    excluded_ = detail::merged(std::move(excluded_));
    effective_ = detail::subtract(included_, excluded_);
    prefix_.clear();
    prefix_.reserve(effective_.size());
    std::uint64_t total = 0;
    for (const auto& interval : effective_) {
        // Saturates instead of wrapping (only reachable with > 2^64 IPv6 addresses).
        const std::uint64_t room = std::numeric_limits<std::uint64_t>::max() - total;
        total += std::min(room, interval.count);
        prefix_.push_back(total);
    }
    dirty_ = false;
}

std::uint64_t TargetSet::size() const {
    normalize();
    return prefix_.empty() ? 0 : prefix_.back();
}

Address TargetSet::at(std::uint64_t index) const {
    normalize();
    const auto it = std::upper_bound(prefix_.begin(), prefix_.end(), index);
    const auto i = static_cast<std::size_t>(it - prefix_.begin());
    const std::uint64_t start = i == 0 ? 0 : prefix_[i - 1];
    return detail::address_plus(effective_[i].first, index - start);
}

std::string TargetSet::hostname_of(const Address& address) const {
    const auto it = names_.find(address);
    return it == names_.end() ? std::string() : it->second;
}

const std::vector<TargetSet::Interval>& TargetSet::intervals() const {
    normalize();
    return effective_;
}

}  // namespace portwarden

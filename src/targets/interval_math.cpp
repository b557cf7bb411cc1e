#include "targets/interval_math.hpp"

#include <algorithm>
#include <cstddef>

#include "targets/u128.hpp"

namespace portwarden::detail {
namespace {

using Interval = TargetSet::Interval;

// Inclusive bounds of one interval as 128-bit values.
struct Bounds {
    U128 first;
    U128 last;
};

Bounds bounds_of(const Interval& interval) {
    const U128 first = to_u128(interval.first);
    return Bounds{first, add(first, interval.count - 1)};
}

bool first_less(const Interval& a, const Interval& b) {
    return a.first < b.first;
}

// The interval [first, last] of `family`; the caller keeps it at most 2^63 long.
Interval make_interval(Family family, U128 first, U128 last) {
    return Interval{from_u128(family, first), sub(last, first).lo + 1};
}

}  // namespace

std::vector<Interval> merged(std::vector<Interval> intervals) {
    std::erase_if(intervals, [](const Interval& interval) { return interval.count == 0; });
    if (!std::is_sorted(intervals.begin(), intervals.end(), first_less)) {
        std::sort(intervals.begin(), intervals.end(), first_less);
    }
    std::size_t write = 0;  // intervals[0, write) are merged
    for (std::size_t read = 0; read < intervals.size(); ++read) {
        const Interval next = intervals[read];
        if (write == 0 || intervals[write - 1].first.family() != next.first.family()) {
            intervals[write++] = next;
            continue;
        }
        const Bounds cur = bounds_of(intervals[write - 1]);
        const Bounds add_on = bounds_of(next);
        if (cur.last != u128_max && add_on.first > add(cur.last, 1)) {
            intervals[write++] = next;  // a gap: a new interval
            continue;
        }
        if (add_on.last <= cur.last) {
            continue;  // contained
        }
        const Family family = next.first.family();
        const U128 length_minus_one = sub(add_on.last, cur.first);
        if (length_minus_one.hi == 0 && length_minus_one.lo < max_interval_count) {
            intervals[write - 1].count = length_minus_one.lo + 1;
            continue;
        }
        // Longer than 2^63: keep a full chunk and carry the rest (at most 2^63, since both
        // parts were) into the slot just read, so the write index never passes the read one.
        intervals[write - 1].count = max_interval_count;
        intervals[write++] = make_interval(family, add(cur.first, max_interval_count), add_on.last);
    }
    intervals.resize(write);
    return intervals;
}

std::vector<Interval> subtract(const std::vector<Interval>& from, const std::vector<Interval>& minus) {
    if (minus.empty()) {
        return from;
    }
    std::vector<Interval> out;
    out.reserve(from.size());
    std::size_t j = 0;
    for (const Interval& a : from) {
        const Family family = a.first.family();
        const Bounds range = bounds_of(a);
        // Skip exclusions entirely before `a` (they are before every later interval too).
        while (j < minus.size() &&
               (minus[j].first.family() < family ||
                (minus[j].first.family() == family && bounds_of(minus[j]).last < range.first))) {
            ++j;
        }
        U128 cursor = range.first;
        bool done = false;
        for (std::size_t k = j; k < minus.size() && minus[k].first.family() == family; ++k) {
            const Bounds m = bounds_of(minus[k]);
            if (m.first > range.last) {
                break;
            }
            if (m.first > cursor) {
                out.push_back(make_interval(family, cursor, sub(m.first, U128{0, 1})));
            }
            if (m.last >= range.last) {
                done = true;
                break;
            }
            cursor = std::max(cursor, add(m.last, 1));
        }
        if (!done) {
            out.push_back(make_interval(family, cursor, range.last));
        }
    }
    return out;
}

}  // namespace portwarden::detail

// Queries across scans: ports newly open since a time, ports whose state flaps in a window.
// A port's observations are its rows and, in every port set that covers it without a row,
// the set's default (never open: open ports always have rows).
#include <algorithm>
#include <tuple>

#include "history/port_sets.hpp"
#include "history/queries.hpp"
#include "history/rows.hpp"

namespace portwarden::history {
namespace {

auto order(const PortRow& r) { return std::tuple(r.time_us, r.scan_id); }
auto order(const PortSet& s) { return std::tuple(s.time_us, s.scan_id); }
auto group(const PortRow& r) { return std::tie(r.host, r.port.proto); }
auto group(const PortSet& s) { return std::tie(s.host, s.proto); }

// True when a set in `sets` (sorted by time, scan) strictly between `prev` and `next` covers
// the port: then the port was seen (not open) in between.
bool seen_between(const std::vector<PortSet>& sets, const PortRow& prev, const PortRow& next) {
    auto it = std::ranges::upper_bound(sets, order(prev), {}, [](const PortSet& s) { return order(s); });
    for (; it != sets.end() && order(*it) < order(next); ++it) {
        if (contains(it->ranges, next.port.port)) {
            return true;
        }
    }
    return false;
}

}  // namespace

Result<std::vector<PortChange>> newly_open(SqlConnection& db, HistoryTime since) {
    const SqlValue open[] = {text(to_string(PortState::open))};
    auto opens = read_port_rows(db, "state = $1", open);
    if (!opens) {
        return tl::unexpected(opens.error());
    }
    std::ranges::sort(*opens, {}, [](const PortRow& r) {
        return std::tuple(r.host, r.port.proto, r.port.port, r.time_us, r.scan_id);
    });
    const std::int64_t since_us = to_us(since);
    const auto same_port = [](const PortRow& a, const PortRow& b) { return group(a) == group(b) && a.port.port == b.port.port; };
    std::vector<PortChange> out;
    for (auto first = opens->begin(); first != opens->end();) {
        const auto last = std::find_if(first, opens->end(), [&](const PortRow& r) { return group(r) != group(*first); });
        if (std::none_of(first, last, [&](const PortRow& r) { return r.time_us >= since_us; })) {
            first = last;
            continue;
        }
        // The host's port sets from the earliest open row a candidate is compared with.
        std::int64_t sets_from = since_us;
        for (auto it = first; it != last; ++it) {
            if (it != first && same_port(*it, *(it - 1)) && it->time_us >= since_us && (it - 1)->time_us < since_us) {
                sets_from = std::min(sets_from, (it - 1)->time_us);
            }
        }
        const SqlValue key[] = {first->host.to_string(), text(to_string(first->port.proto)), sets_from};
        auto sets = read_port_sets(db, "host = $1 AND proto = $2 AND time_us >= $3", key);
        if (!sets) {
            return tl::unexpected(sets.error());
        }
        for (auto it = first; it != last; ++it) {
            const bool first_of_port = it == first || !same_port(*it, *(it - 1));
            const bool reported = !out.empty() && out.back().host == it->host && out.back().proto == it->port.proto &&
                                  out.back().port == it->port.port;
            if (it->time_us >= since_us && !reported && (first_of_port || seen_between(*sets, *(it - 1), *it))) {
                out.push_back({it->host, it->port.proto, it->port.port, it->scan_id, from_us(it->time_us), 0});
            }
        }
        first = last;
    }
    return out;
}

Result<std::vector<PortChange>> flapping(SqlConnection& db, HistoryTime from, HistoryTime to, std::int64_t more_than) {
    const SqlValue window[] = {to_us(from), to_us(to)};
    auto sets = read_port_sets(db, "time_us >= $1 AND time_us <= $2", window);
    auto rows = read_port_rows(db, "time_us >= $1 AND time_us <= $2", window);
    if (!sets || !rows) {
        return tl::unexpected(sets ? rows.error() : sets.error());
    }
    sort_rows(*rows);
    std::ranges::stable_sort(*sets, {}, [](const PortSet& s) { return group(s); });
    constexpr std::uint8_t none = 0xff;
    std::vector<std::uint8_t> last_state(65536, none);
    std::vector<std::int64_t> changes(65536);
    std::vector<std::uint16_t> touched;
    std::vector<PortChange> out;
    for (auto first = sets->begin(); first != sets->end();) {
        const auto last = std::find_if(first, sets->end(), [&](const PortSet& s) { return group(s) != group(*first); });
        for (auto set = first; set != last; ++set) {
            for_each_port(*set, rows_of(*set, *rows), [&](const PortResult& p) {
                const auto state = static_cast<std::uint8_t>(p.state);
                if (last_state[p.port] == none) {
                    touched.push_back(p.port);
                } else if (last_state[p.port] != state) {
                    ++changes[p.port];
                }
                last_state[p.port] = state;
            });
        }
        for (const std::uint16_t port : touched) {
            if (changes[port] > 0 && changes[port] > more_than) {
                out.push_back({first->host, first->proto, port, 0, {}, changes[port]});
            }
            last_state[port] = none;
            changes[port] = 0;
        }
        touched.clear();
        first = last;
    }
    std::ranges::sort(out, [](const PortChange& a, const PortChange& b) {
        return std::tuple(b.changes, a.host, a.proto, a.port) < std::tuple(a.changes, b.host, b.proto, b.port);
    });
    return out;
}

}  // namespace portwarden::history

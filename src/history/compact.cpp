#include "history/compact.hpp"

#include <array>
#include <charconv>
#include <map>
#include <utility>

#include <fmt/format.h>

namespace portwarden::history {
namespace {

Result<std::uint16_t> parse_port(std::string_view text, std::string_view list) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || value > 65535) {
        return fail(fmt::format("history: bad port list '{}'", list));
    }
    return static_cast<std::uint16_t>(value);
}

}  // namespace

std::string format_ranges(std::span<const PortResult> sorted_ports) {
    std::string out;
    for (std::size_t i = 0; i < sorted_ports.size();) {
        std::size_t j = i;
        while (j + 1 < sorted_ports.size() && sorted_ports[j + 1].port == sorted_ports[j].port + 1) {
            ++j;
        }
        if (!out.empty()) {
            out += ',';
        }
        out += j == i ? fmt::format("{}", sorted_ports[i].port)
                      : fmt::format("{}-{}", sorted_ports[i].port, sorted_ports[j].port);
        i = j + 1;
    }
    return out;
}

Result<std::vector<PortRange>> parse_ranges(std::string_view text) {
    std::vector<PortRange> out;
    while (!text.empty()) {
        const auto comma = text.find(',');
        const std::string_view item = text.substr(0, comma);
        text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
        const auto dash = item.find('-');
        auto first = parse_port(item.substr(0, dash), item);
        auto last = dash == std::string_view::npos ? first : parse_port(item.substr(dash + 1), item);
        if (!first || !last) {
            return tl::unexpected(first ? last.error() : first.error());
        }
        if (*last < *first || (!out.empty() && *first <= out.back().last)) {
            return fail(fmt::format("history: port list out of order at '{}'", item));
        }
        out.push_back({*first, *last});
    }
    return out;
}

bool contains(std::span<const PortRange> ranges, std::uint16_t port) {
    // The first range that does not end before `port`.
    std::size_t lo = 0;
    std::size_t hi = ranges.size();
    while (lo < hi) {
        const std::size_t mid = (lo + hi) / 2;
        if (ranges[mid].last < port) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo < ranges.size() && ranges[lo].first <= port;
}

std::optional<PortDefault> choose_default(std::span<const PortResult> ports) {
    constexpr std::size_t reasons = reason_count;
    std::array<std::size_t, port_state_count * reasons> counts{};
    for (const auto& p : ports) {
        if (p.state != PortState::open) {
            ++counts[static_cast<std::size_t>(p.state) * reasons + static_cast<std::size_t>(p.reason)];
        }
    }
    std::size_t best = 0;
    for (std::size_t i = 1; i < counts.size(); ++i) {
        if (counts[i] > counts[best]) {
            best = i;
        }
    }
    if (counts[best] == 0) {
        return std::nullopt;
    }
    PortDefault def;
    def.state = static_cast<PortState>(best / reasons);
    def.reason = static_cast<Reason>(best % reasons);
    using Extra = std::pair<std::optional<std::uint8_t>, std::optional<Address>>;
    std::map<Extra, std::size_t> extras;
    for (const auto& p : ports) {
        if (p.state == def.state && p.reason == def.reason) {
            ++extras[Extra(p.reason_ttl, p.reason_ip)];
        }
    }
    auto most = extras.begin();
    for (auto it = extras.begin(); it != extras.end(); ++it) {
        if (it->second > most->second) {
            most = it;
        }
    }
    def.ttl = most->first.first;
    def.responder = most->first.second;
    return def;
}

bool covered_by_default(const PortResult& port, const std::optional<PortDefault>& def) {
    return def && port.state != PortState::open && port.state == def->state && port.reason == def->reason &&
           port.reason_ttl == def->ttl && port.reason_ip == def->responder;
}

PortResult expand_default(Proto proto, std::uint16_t port, const PortDefault& def) {
    return PortResult{proto, port, def.state, def.reason, def.ttl, def.responder, std::nullopt};
}

}  // namespace portwarden::history

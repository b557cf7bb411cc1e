#include "targets/ipv4_pattern.hpp"

#include <algorithm>
#include <cstddef>
#include <string>

#include <fmt/format.h>

namespace portwarden::detail {
namespace {

std::vector<std::string_view> split(std::string_view text, char sep) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        const std::size_t pos = text.find(sep, start);
        if (pos == std::string_view::npos) {
            parts.push_back(text.substr(start));
            return parts;
        }
        parts.push_back(text.substr(start, pos - start));
        start = pos + 1;
    }
}

Result<std::uint8_t> parse_octet_value(std::string_view text) {
    if (text.empty() || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return fail(fmt::format("bad octet '{}'", text));
    }
    unsigned value = 0;
    for (const char c : text) {
        value = value * 10 + static_cast<unsigned>(c - '0');
        if (value > 255) {
            return fail(fmt::format("octet {} is out of range 0-255", text));
        }
    }
    return static_cast<std::uint8_t>(value);
}

Result<OctetRun> parse_element(std::string_view element) {
    if (element.empty()) {
        return fail("empty octet list item");
    }
    if (element == "*" || element == "-") {
        return OctetRun{0, 255};
    }
    const std::size_t dash = element.find('-');
    if (dash == std::string_view::npos) {
        auto value = parse_octet_value(element);
        if (!value) {
            return tl::unexpected(value.error());
        }
        return OctetRun{*value, *value};
    }
    if (element.find('-', dash + 1) != std::string_view::npos) {
        return fail(fmt::format("bad octet range '{}'", element));
    }
    const std::string_view low_text = element.substr(0, dash);
    const std::string_view high_text = element.substr(dash + 1);
    OctetRun run{0, 255};
    if (!low_text.empty()) {
        auto low = parse_octet_value(low_text);
        if (!low) {
            return tl::unexpected(low.error());
        }
        run.first = *low;
    }
    if (!high_text.empty()) {
        auto high = parse_octet_value(high_text);
        if (!high) {
            return tl::unexpected(high.error());
        }
        run.last = *high;
    }
    if (run.first > run.last) {
        return fail(fmt::format("range {} is reversed", element));
    }
    return run;
}

Result<std::vector<OctetRun>> parse_octet(std::string_view text, std::size_t position) {
    if (text.empty()) {
        return fail(fmt::format("octet {} is empty", position));
    }
    std::vector<OctetRun> runs;
    for (const auto element : split(text, ',')) {
        auto run = parse_element(element);
        if (!run) {
            return tl::unexpected(run.error());
        }
        runs.push_back(*run);
    }
    std::sort(runs.begin(), runs.end(), [](const OctetRun& a, const OctetRun& b) { return a.first < b.first; });
    std::vector<OctetRun> out;
    for (const auto& run : runs) {
        if (!out.empty() && unsigned{run.first} <= unsigned{out.back().last} + 1) {
            out.back().last = std::max(out.back().last, run.last);
        } else {
            out.push_back(run);
        }
    }
    return out;
}

bool is_full(const std::vector<OctetRun>& runs) {
    return runs.size() == 1 && runs.front().first == 0 && runs.front().last == 255;
}

std::uint64_t run_size(const OctetRun& run) {
    return std::uint64_t{run.last} - std::uint64_t{run.first} + 1;
}

}  // namespace

bool Ipv4Pattern::is_single_address() const {
    return std::all_of(octets.begin(), octets.end(), [](const std::vector<OctetRun>& runs) {
        return runs.size() == 1 && runs.front().first == runs.front().last;
    });
}

std::uint64_t Ipv4Pattern::count() const {
    std::uint64_t total = 1;
    for (const auto& runs : octets) {
        std::uint64_t n = 0;
        for (const auto& run : runs) {
            n += run_size(run);
        }
        total *= n;
    }
    return total;
}

// The last octet that is not 0-255 (4: none); the octets after it are whole blocks.
std::size_t Ipv4Pattern::last_partial() const {
    for (std::size_t i = 4; i > 0; --i) {
        if (!is_full(octets[i - 1])) {
            return i - 1;
        }
    }
    return 4;
}

std::uint64_t Ipv4Pattern::interval_count() const {
    const std::size_t partial = last_partial();
    if (partial == 4) {
        return 1;
    }
    std::uint64_t total = octets[partial].size();
    for (std::size_t i = 0; i < partial; ++i) {
        std::uint64_t values = 0;
        for (const auto& run : octets[i]) {
            values += run_size(run);
        }
        total *= values;
    }
    return total;
}

std::vector<TargetSet::Interval> Ipv4Pattern::expand() const {
    // Octets after `last_partial` are all 0-255: each run of `last_partial` is one block.
    const std::size_t last_partial = this->last_partial();
    if (last_partial == 4) {
        return {TargetSet::Interval{Address::from_v4(0), std::uint64_t{1} << 32}};
    }
    const unsigned block_shift = static_cast<unsigned>(8 * (3 - last_partial));
    std::vector<TargetSet::Interval> out;
    // Enumerate every value of the octets before `last_partial` (odometer over the runs).
    std::vector<std::uint32_t> prefixes{0};
    for (std::size_t i = 0; i < last_partial; ++i) {
        std::vector<std::uint32_t> next;
        for (const std::uint32_t prefix : prefixes) {
            for (const auto& run : octets[i]) {
                for (unsigned v = run.first; v <= run.last; ++v) {
                    next.push_back((prefix << 8) | v);
                }
            }
        }
        prefixes = std::move(next);
    }
    out.reserve(prefixes.size() * octets[last_partial].size());
    for (const std::uint32_t prefix : prefixes) {
        for (const auto& run : octets[last_partial]) {
            const std::uint32_t base = ((prefix << 8) | run.first) << block_shift;
            out.push_back({Address::from_v4(base), run_size(run) << block_shift});
        }
    }
    return out;
}

Result<Ipv4Pattern> parse_ipv4_pattern(std::string_view text) {
    const auto fields = split(text, '.');
    if (fields.size() != 4) {
        return fail(fmt::format("expected 4 octets, got {}", fields.size()));
    }
    Ipv4Pattern pattern;
    for (std::size_t i = 0; i < 4; ++i) {
        auto runs = parse_octet(fields[i], i + 1);
        if (!runs) {
            return tl::unexpected(runs.error());
        }
        pattern.octets[i] = std::move(*runs);
    }
    return pattern;
}

}  // namespace portwarden::detail


#include "version/parse_util.hpp"

#include <charconv>

#include <fmt/format.h>

namespace portwarden::version {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

char simple_escape(char c) {
    switch (c) {
        case '0': return '\0';
        case 'a': return '\a';
        case 'b': return '\b';
        case 'f': return '\f';
        case 'n': return '\n';
        case 'r': return '\r';
        case 't': return '\t';
        case 'v': return '\v';
        default: return c;
    }
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
        s.remove_suffix(1);
    }
    return s;
}

std::optional<std::uint16_t> port_number(std::string_view s) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc{} || end != s.data() + s.size() || s.empty() || value > 65535) {
        return std::nullopt;
    }
    return static_cast<std::uint16_t>(value);
}

}  // namespace

Result<std::string> unescape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\\') {
            out += text[i];
            continue;
        }
        if (i + 1 >= text.size()) {
            return fail("a '\\' ends the string");
        }
        const char c = text[++i];
        if (c != 'x') {
            out += simple_escape(c);
            continue;
        }
        const int hi = i + 1 < text.size() ? hex_value(text[i + 1]) : -1;
        const int lo = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
        if (hi < 0 || lo < 0) {
            return fail("'\\x' needs two hex digits");
        }
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return out;
}

Result<PortRanges> parse_port_ranges(std::string_view text) {
    PortRanges out;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto comma = text.find(',', start);
        const auto item = trim(text.substr(start, comma == std::string_view::npos ? std::string_view::npos
                                                                                   : comma - start));
        const auto dash = item.find('-');
        const auto lo = port_number(trim(item.substr(0, dash)));
        const auto hi = dash == std::string_view::npos ? lo : port_number(trim(item.substr(dash + 1)));
        if (!lo || !hi || *hi < *lo) {
            return fail(fmt::format("bad port list item '{}' (expected e.g. 21-25,53,80)", item));
        }
        out.emplace_back(*lo, *hi);
        if (comma == std::string_view::npos) {
            break;
        }
        start = comma + 1;
    }
    return out;
}

std::optional<Delimited> take_delimited(std::string_view text) {
    if (text.empty()) {
        return std::nullopt;
    }
    const char delim = text.front();
    const auto end = text.find(delim, 1);
    if (end == std::string_view::npos) {
        return std::nullopt;
    }
    return Delimited{text.substr(1, end - 1), text.substr(end + 1)};
}

bool in_ranges(const PortRanges& ranges, std::uint16_t port) {
    for (const auto& [lo, hi] : ranges) {
        if (port >= lo && port <= hi) {
            return true;
        }
    }
    return false;
}

}  // namespace portwarden::version

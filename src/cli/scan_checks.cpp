#include "cli/scan_checks.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>

#include <fmt/format.h>

namespace portwarden::cli {
namespace {

bool all_digits(std::string_view text) {
    if (text.empty()) {
        return false;
    }
    for (const char c : text) {
        if (std::isdigit(static_cast<unsigned char>(c)) == 0) {
            return false;
        }
    }
    return true;
}

template <typename T>
bool read_unsigned(std::string_view text, T& value) {
    if (!all_digits(text)) {
        return false;
    }
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc{} && ptr == text.data() + text.size();
}

}  // namespace

Result<std::size_t> parse_top_ports(const std::string& text) {
    std::size_t n = 0;
    if (!read_unsigned(text, n) || n < 1 || n > 65535) {
        return fail(fmt::format("bad --top-ports '{}': expected a number 1-65535", text));
    }
    return n;
}

Result<double> parse_rate(std::string_view flag, const std::string& text) {
    constexpr double lowest = 0.001;  // one probe every 1000 s
    constexpr double highest = 1e9;
    double value = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size() || !std::isfinite(value) ||
        value < lowest || value > highest) {
        return fail(fmt::format("bad {} '{}': expected probes per second from 0.001 to 1e9", flag, text));
    }
    return value;
}

Result<std::uint64_t> parse_seed(const std::string& text) {
    std::uint64_t seed = 0;
    if (!read_unsigned(text, seed)) {
        return fail(fmt::format("bad --seed '{}': expected a number 0-18446744073709551615", text));
    }
    return seed;
}

Result<int> parse_max_retries(const std::string& text) {
    int n = 0;
    if (!read_unsigned(text, n) || n > 100) {
        return fail(fmt::format("bad --max-retries '{}': expected a number 0-100", text));
    }
    return n;
}

Result<void> check_port_prefixes(std::string_view spec, Technique technique, PortProtocols scanned) {
    std::size_t start = 0;
    while (start < spec.size()) {
        const std::size_t comma = std::min(spec.find(',', start), spec.size());
        const std::string_view item = spec.substr(start, comma - start);
        start = comma + 1;
        if (item.size() < 2 || item[1] != ':') {
            continue;
        }
        const char proto = static_cast<char>(std::toupper(static_cast<unsigned char>(item[0])));
        if (proto == 'U' && !scanned.udp) {
            return fail(fmt::format("-p '{}': U: ports need the UDP scan (-sU); this {} scan covers TCP only", spec,
                                    to_string(technique)));
        }
        if (proto == 'T' && !scanned.tcp) {
            return fail(fmt::format("-p '{}': T: ports need a TCP scan; the UDP scan (-sU) covers UDP only "
                                    "(both: -sS -sU)", spec));
        }
    }
    return {};
}

namespace {

Result<Technique> scan_type_named(const std::string& name) {
    for (int i = 0; i < technique_count; ++i) {
        const auto t = static_cast<Technique>(i);
        if (to_string(t) == name && !is_ping_technique(t)) {  // pings are -PE/-PP, not scan types
            return t;
        }
    }
    return fail(fmt::format("unknown scan technique '{}'", name));
}

}  // namespace

Result<ScanTypes> parse_scan_types(const std::vector<std::string>& names, Technique fallback) {
    std::optional<Technique> tcp;
    bool udp = false;
    for (const std::string& name : names) {
        auto t = scan_type_named(name);
        if (!t) {
            return tl::unexpected(t.error());
        }
        if (*t == Technique::udp) {
            udp = true;
        } else if (tcp && *tcp != *t) {  // nmap: "You specified more than one type of TCP scan"
            return fail(fmt::format("more than one TCP scan type ({} and {}): choose one; -sU may go with it",
                                    to_string(*tcp), to_string(*t)));
        } else {
            tcp = *t;
        }
    }
    if (!tcp && !udp) {
        return ScanTypes{fallback, false};
    }
    if (!tcp) {
        return ScanTypes{Technique::udp, false};
    }
    return ScanTypes{*tcp, udp};
}

std::string scan_types_name(const ScanTypes& types) {
    std::string out(to_string(types.technique));
    if (types.with_udp) {
        out += "+udp";
    }
    return out;
}

}  // namespace portwarden::cli

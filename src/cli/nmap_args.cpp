#include "cli/nmap_args.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace portwarden::cli {
namespace {

struct Rewrite {
    std::string_view nmap;
    std::string_view long_form;
};

// Flags that stand alone.
constexpr std::array<Rewrite, 21> whole_flags{{
    {"-F", "--top-ports=100"},
    {"-sL", "--list-only"},
    {"-sn", "--ping-only"},
    {"-PE", "--ping-echo"},
    {"-PP", "--ping-timestamp"},
    {"-PR", "--ping-arp"},
    {"-PN", "--skip-discovery"},
    {"-sT", "--technique=connect"},
    {"-sS", "--technique=syn"},
    {"-sA", "--technique=ack"},
    {"-sW", "--technique=window"},
    {"-sM", "--technique=maimon"},
    {"-sF", "--technique=fin"},
    {"-sN", "--technique=null"},
    {"-sX", "--technique=xmas"},
    {"-sU", "--technique=udp"},
    {"-sV", "--service-version"},
    {"-Pn", "--skip-discovery"},
    {"-6", "--ipv6"},
    {"-n", "--no-dns"},
    {"-R", "--reverse-dns"},
}};

// Flags whose value follows as the next argument.
constexpr std::array<Rewrite, 9> valued_flags{{
    {"-e", "--interface"},
    {"-S", "--source-address"},
    {"-g", "--source-port"},
    {"-oX", "--xml"},
    {"-oJ", "--json"},
    {"-oN", "--normal"},
    {"-oG", "--grepable"},
    {"-oA", "--all-formats"},
    {"-iL", "--input-list"},
}};

// nmap's several scan types in one -s (-sSU = -sS -sU): each letter's long form, or nullopt
// when a letter is not a scan type.
std::optional<std::vector<std::string>> scan_type_letters(std::string_view arg) {
    std::vector<std::string> out;
    for (const char letter : arg.substr(2)) {
        const std::string one{'-', 's', letter};
        const auto* f = std::find_if(whole_flags.begin(), whole_flags.end(), [&](const Rewrite& w) {
            return one == w.nmap && w.long_form.substr(0, 12) == "--technique=";
        });
        if (f == whole_flags.end()) {
            return std::nullopt;
        }
        out.emplace_back(f->long_form);
    }
    return out;
}

}  // namespace

Result<std::vector<std::string>> translate_nmap_flags(const std::vector<std::string>& args) {
    std::vector<std::string> out;
    out.reserve(args.size());
    bool positional_only = false;
    for (const std::string& arg : args) {
        if (positional_only || arg.size() < 2 || arg[0] != '-' || arg[1] == '-') {
            positional_only = positional_only || arg == "--";
            out.push_back(arg);
            continue;
        }
        bool done = false;
        for (const auto& f : whole_flags) {
            if (arg == f.nmap) {
                out.emplace_back(f.long_form);
                done = true;
                break;
            }
        }
        for (const auto& f : valued_flags) {
            if (!done && arg == f.nmap) {
                out.emplace_back(f.long_form);
                done = true;
            }
        }
        if (done) {
            continue;
        }
        const std::string_view a(arg);
        if (a.size() > 3 && a[1] == 's') {
            if (auto types = scan_type_letters(a)) {
                out.insert(out.end(), types->begin(), types->end());
                continue;
            }
        }
        if (a.size() >= 3 && a[1] == 's') {
            return fail(fmt::format("unsupported scan type '{}' (supported: -sT; -sS -sA -sW -sM -sF -sN -sX -sU "
                                    "come with the raw engine)",
                                    arg));
        }
        if (a.size() >= 3 && a[1] == 'o' && (a[2] == 'S' || a[2] == 'M' || a[2] == 'H')) {
            return fail(fmt::format("unsupported output format '{}' (use -oN, -oX, -oG, -oJ or -oA)", arg));
        }
        // -PS, -PS22,443, -PA, -PU: nmap's default ports are 80 (TCP) and 40125 (UDP).
        if (a.size() >= 3 && a[1] == 'P' && (a[2] == 'S' || a[2] == 'A' || a[2] == 'U')) {
            const char* flag = a[2] == 'S' ? "--ping-syn" : a[2] == 'A' ? "--ping-ack" : "--ping-udp";
            out.emplace_back(flag);
            out.emplace_back(a.size() > 3 ? a.substr(3) : (a[2] == 'U' ? "40125" : "80"));
            continue;
        }
        if (a.size() >= 3 && a[1] == 'P') {
            return fail(fmt::format("unsupported ping type '{}' (supported: -PE -PP -PS -PA -PU -PR -Pn)", arg));
        }
        // -vv, -v2 (verbosity 2); -d, -dd, -d2 (debugging 2, which raises verbosity as much).
        if ((a[1] == 'v' || a[1] == 'd') && a.size() >= 2) {
            const std::string_view rest = a.substr(2);
            const bool letters = rest.find_first_not_of(a[1]) == std::string_view::npos;
            const bool level = !rest.empty() && rest.size() <= 1 && rest[0] >= '0' && rest[0] <= '9';
            if (!letters && !level) {
                return fail(fmt::format("unknown option '{}' (more output: -v, -vv or -v2; debugging: -d, -dd or "
                                        "-d2, up to 9)",
                                        arg));
            }
            const std::size_t times = letters ? a.size() - 1 : static_cast<std::size_t>(rest[0] - '0');
            for (std::size_t i = 0; i < times; ++i) {
                out.emplace_back(a[1] == 'v' ? "-v" : "--debug");
            }
            continue;
        }
        if (a[1] == 'T' && a.size() >= 3) {  // -T4
            out.emplace_back("--timing");
            out.emplace_back(a.substr(2));
            continue;
        }
        if (a[1] == 'p' && a.size() >= 3) {  // -p-, -p22,80
            out.emplace_back("--ports");
            out.emplace_back(a.substr(2));
            continue;
        }
        if (a == "-T") {
            out.emplace_back("--timing");
            continue;
        }
        out.push_back(arg);
    }
    return out;
}

Result<std::chrono::microseconds> parse_duration(std::string_view text) {
    const auto bad = [&] {
        return fail(fmt::format("bad time '{}': expected a number with an optional unit ms, s, m or h", text));
    };
    if (text.empty()) {
        return bad();
    }
    std::size_t unit_at = text.size();
    while (unit_at > 0 && std::isalpha(static_cast<unsigned char>(text[unit_at - 1])) != 0) {
        --unit_at;
    }
    const std::string_view number = text.substr(0, unit_at);
    const std::string_view unit = text.substr(unit_at);
    double value = 0;
    const auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (ec != std::errc{} || ptr != number.data() + number.size() || number.empty() || !std::isfinite(value) ||
        value < 0) {
        return bad();
    }
    double scale = 0;
    if (unit.empty() || unit == "s") {
        scale = 1e6;
    } else if (unit == "ms") {
        scale = 1e3;
    } else if (unit == "m") {
        scale = 60e6;
    } else if (unit == "h") {
        scale = 3600e6;
    } else if (unit == "us") {
        scale = 1;
    } else {
        return bad();
    }
    const double micros = value * scale;
    if (micros > 1e15) {
        return bad();
    }
    return std::chrono::microseconds(static_cast<std::int64_t>(micros));
}

Result<std::uint8_t> parse_tcp_flags(std::string_view text) {
    const auto bad = [&] {
        return fail(fmt::format("bad --scanflags '{}': expected 0-255 or flag names such as SYNFIN "
                                "(FIN SYN RST PSH ACK URG ECE CWR, ALL, NONE)",
                                text));
    };
    if (text.empty()) {
        return bad();
    }
    if (std::isdigit(static_cast<unsigned char>(text[0])) != 0) {
        const bool hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
        const std::string_view digits = hex ? text.substr(2) : text;
        unsigned value = 0;
        const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, hex ? 16 : 10);
        if (ec != std::errc{} || ptr != digits.data() + digits.size() || value > 255) {
            return bad();
        }
        return static_cast<std::uint8_t>(value);
    }
    struct Name {
        std::string_view name;
        unsigned bits;
    };
    constexpr std::array<Name, 10> names{{{"FIN", 0x01}, {"SYN", 0x02}, {"RST", 0x04}, {"PSH", 0x08},
                                          {"ACK", 0x10}, {"URG", 0x20}, {"ECE", 0x40}, {"CWR", 0x80},
                                          {"ALL", 0xff}, {"NONE", 0x00}}};
    unsigned flags = 0;
    std::size_t at = 0;
    while (at < text.size()) {
        if (text[at] == '|' || text[at] == ',' || text[at] == '+') {
            ++at;
            continue;
        }
        bool matched = false;
        for (const Name& n : names) {
            if (text.size() - at < n.name.size()) {
                continue;
            }
            bool same = true;
            for (std::size_t i = 0; i < n.name.size() && same; ++i) {
                same = std::toupper(static_cast<unsigned char>(text[at + i])) == n.name[i];
            }
            if (same) {
                flags |= n.bits;
                at += n.name.size();
                matched = true;
                break;
            }
        }
        if (!matched) {
            return bad();
        }
    }
    return static_cast<std::uint8_t>(flags);
}

}  // namespace portwarden::cli

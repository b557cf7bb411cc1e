// nmap -p syntax: "22,80,1000-2000", "-100", "60000-", "-", "T:22,80,U:53", service names.
#include <algorithm>
#include <array>
#include <cctype>
#include <cstddef>
#include <iterator>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "portwarden/ports.hpp"
#include "portwarden/services.hpp"

namespace portwarden {
namespace {

enum class Scope : std::uint8_t { scanned, tcp_only, udp_only };

struct Range {
    std::uint32_t first = 0;
    std::uint32_t last = 0;
};

// Every port number in order: a range's ports are copied out of it (one memmove, not a loop
// of push_backs: "-" is 65 535 ports, and under the fuzzer's instrumentation each push_back
// was a traced comparison).
const std::array<std::uint16_t, 65536>& every_port() {
    static const std::array<std::uint16_t, 65536> table = [] {
        std::array<std::uint16_t, 65536> t{};
        std::iota(t.begin(), t.end(), std::uint16_t{0});
        return t;
    }();
    return table;
}

// The ranges an item list named, expanded once at the end: a list of k ranges costs
// O(k log k + ports), not 65 536 per range (a hostile "-,-,-,..." repeated "-" thousands of times).
class PortRanges {
public:
    void set(std::uint32_t first, std::uint32_t last) { ranges_.push_back(Range{first, last}); }
    std::vector<std::uint16_t> sorted() const {
        std::vector<Range> ranges = ranges_;
        std::sort(ranges.begin(), ranges.end(), [](const Range& a, const Range& b) { return a.first < b.first; });
        std::vector<Range> merged;
        std::size_t total = 0;
        for (const Range& r : ranges) {
            if (!merged.empty() && r.first <= merged.back().last + 1) {
                total += std::max(r.last, merged.back().last) - merged.back().last;
                merged.back().last = std::max(merged.back().last, r.last);
            } else {
                total += r.last - r.first + 1;
                merged.push_back(r);
            }
        }
        std::vector<std::uint16_t> out;
        out.reserve(total);
        const auto& ports = every_port();
        for (const Range& r : merged) {
            out.insert(out.end(), ports.begin() + r.first, ports.begin() + r.last + 1);
        }
        return out;
    }

private:
    std::vector<Range> ranges_;
};

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

bool is_name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.' || c == '+' ||
           c == '/';
}

class Parser {
public:
    Parser(std::string_view spec, PortProtocols scanned, const ServiceLookup& services)
        : spec_(spec), scanned_(scanned), services_of_(services) {}

    Result<PortList> run() {
        if (spec_.empty()) {
            return fail("bad port list '': empty");
        }
        std::size_t start = 0;
        while (start <= spec_.size()) {
            std::size_t end = spec_.find(',', start);
            if (end == std::string_view::npos) {
                end = spec_.size();
            }
            if (auto ok = item(spec_.substr(start, end - start)); !ok) {
                return tl::unexpected(ok.error());
            }
            start = end + 1;
        }
        return PortList{tcp_.sorted(), udp_.sorted()};
    }

private:
    tl::unexpected<Error> bad_list(std::string_view why) const {
        return fail(fmt::format("bad port list '{}': {}", spec_, why));
    }
    tl::unexpected<Error> bad_port(std::string_view token, std::string_view why) const {
        return fail(fmt::format("bad port '{}' in '{}': {}", token, spec_, why));
    }

    Result<void> item(std::string_view text) {
        if (text.empty()) {
            return bad_list("empty item");
        }
        if (text.size() >= 2 && text[1] == ':') {
            const std::string_view prefix = text.substr(0, 2);
            switch (std::toupper(static_cast<unsigned char>(text[0]))) {
                case 'T':
                    scope_ = Scope::tcp_only;
                    break;
                case 'U':
                    scope_ = Scope::udp_only;
                    break;
                case 'S':
                    return bad_list(fmt::format("SCTP is not supported ('{}')", prefix));
                case 'P':
                    return bad_list(fmt::format("IP protocol scans are not supported ('{}')", prefix));
                default:
                    return bad_port(text, fmt::format("unknown protocol prefix '{}'", prefix));
            }
            text.remove_prefix(2);
            if (text.empty()) {
                return bad_list(fmt::format("no ports after '{}'", prefix));
            }
        }
        if (std::all_of(text.begin(), text.end(), [](char c) { return is_digit(c) || c == '-'; })) {
            return numeric(text);
        }
        if (std::isalpha(static_cast<unsigned char>(text.front())) != 0 &&
            std::all_of(text.begin(), text.end(), is_name_char)) {
            return named(text);
        }
        return bad_port(text, "not a port number, range or service name");
    }

    Result<std::uint32_t> number(std::string_view digits) const {
        if (digits.size() > 5) {
            return bad_port(digits, "out of range 0-65535");
        }
        std::uint32_t value = 0;
        for (const char c : digits) {
            value = value * 10 + static_cast<std::uint32_t>(c - '0');
        }
        if (value > 65535) {
            return bad_port(digits, "out of range 0-65535");
        }
        return value;
    }

    Result<void> numeric(std::string_view text) {
        const std::size_t dash = text.find('-');
        Range range;
        if (dash == std::string_view::npos) {
            auto value = number(text);
            if (!value) {
                return tl::unexpected(value.error());
            }
            range = Range{*value, *value};
        } else {
            if (text.find('-', dash + 1) != std::string_view::npos) {
                return fail(fmt::format("bad port range '{}' in '{}': more than one '-'", text, spec_));
            }
            // Missing bounds mean 1 and 65535: port 0 only when named explicitly.
            range = Range{1, 65535};
            if (dash > 0) {
                auto low = number(text.substr(0, dash));
                if (!low) {
                    return tl::unexpected(low.error());
                }
                range.first = *low;
            }
            if (dash + 1 < text.size()) {
                auto high = number(text.substr(dash + 1));
                if (!high) {
                    return tl::unexpected(high.error());
                }
                range.last = *high;
            }
            if (range.first > range.last) {
                return fail(fmt::format("bad port range '{}' in '{}': {} is greater than {}", text, spec_,
                                        range.first, range.last));
            }
        }
        if (wants(Proto::tcp)) {
            tcp_.set(range.first, range.last);
        }
        if (wants(Proto::udp)) {
            udp_.set(range.first, range.last);
        }
        return {};
    }

    Result<void> named(std::string_view name) {
        if (services_ == nullptr && services_of_) {
            services_ = services_of_();
        }
        if (services_ == nullptr) {
            return bad_port(name, "service names are not available");
        }
        std::string lower(name);
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
        const auto lookup = [&](Proto proto) {
            auto port = services_->port(name, proto);
            return port ? port : services_->port(lower, proto);
        };
        const auto tcp_port = lookup(Proto::tcp);
        const auto udp_port = lookup(Proto::udp);
        if (!tcp_port && !udp_port) {
            return bad_port(name, "unknown service name");
        }
        if (tcp_port && wants(Proto::tcp)) {
            tcp_.set(*tcp_port, *tcp_port);
        }
        if (udp_port && wants(Proto::udp)) {
            udp_.set(*udp_port, *udp_port);
        }
        return {};
    }

    bool wants(Proto proto) const {
        const bool scanned = proto == Proto::tcp ? scanned_.tcp : scanned_.udp;
        switch (scope_) {
            case Scope::tcp_only:
                return scanned && proto == Proto::tcp;
            case Scope::udp_only:
                return scanned && proto == Proto::udp;
            case Scope::scanned:
                break;
        }
        return scanned;
    }

    std::string_view spec_;
    PortProtocols scanned_;
    const ServiceLookup& services_of_;
    const ServiceNames* services_ = nullptr;
    Scope scope_ = Scope::scanned;
    PortRanges tcp_;
    PortRanges udp_;
};

std::vector<std::uint16_t> first_sorted(std::span<const std::uint16_t> ranked, std::size_t n) {
    std::vector<std::uint16_t> out(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(std::min(n, ranked.size())));
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::uint16_t> difference(const std::vector<std::uint16_t>& a, const std::vector<std::uint16_t>& b) {
    std::vector<std::uint16_t> out;
    std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
    return out;
}

}  // namespace

Result<PortList> parse_ports(std::string_view spec, PortProtocols scanned, const ServiceNames* services) {
    return parse_ports(spec, scanned, ServiceLookup([services] { return services; }));
}

Result<PortList> parse_ports(std::string_view spec, PortProtocols scanned, const ServiceLookup& services) {
    return Parser(spec, scanned, services).run();
}

PortList top_ports(std::size_t n, PortProtocols scanned) {
    PortList list;
    if (scanned.tcp) {
        list.tcp = first_sorted(top_tcp_ports_ranked(), n);
    }
    if (scanned.udp) {
        list.udp = first_sorted(top_udp_ports_ranked(), n);
    }
    return list;
}

PortList top_ports(std::size_t n, PortProtocols scanned, const ServiceNames* ranking) {
    PortList list = top_ports(n, scanned);
    if (ranking == nullptr) {
        return list;
    }
    if (scanned.tcp && !ranking->ranked(Proto::tcp).empty()) {
        list.tcp = first_sorted(ranking->ranked(Proto::tcp), n);
    }
    if (scanned.udp && !ranking->ranked(Proto::udp).empty()) {
        list.udp = first_sorted(ranking->ranked(Proto::udp), n);
    }
    return list;
}

PortList without(const PortList& ports, const PortList& excluded) {
    return PortList{difference(ports.tcp, excluded.tcp), difference(ports.udp, excluded.udp)};
}

}  // namespace portwarden

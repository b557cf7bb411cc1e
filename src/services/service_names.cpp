// Service names from nmap-services or /etc/services ("name port/proto [frequency|aliases] [# comment]").
#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "portwarden/services.hpp"
#include "portwarden/targets.hpp"

namespace portwarden {
namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

// By port, then protocol: nmap-services' own order, so its lines need no sorting.
std::uint32_t key_of(std::uint16_t port, Proto proto) {
    return (std::uint32_t{port} << 8) | static_cast<std::uint8_t>(proto);
}

// The first three whitespace-separated fields of a line (comment already removed).
std::array<std::string_view, 3> first_fields(std::string_view line) {
    std::array<std::string_view, 3> fields{};
    std::size_t found = 0;
    std::size_t i = 0;
    while (found < fields.size() && i < line.size()) {
        while (i < line.size() && is_space(line[i])) {
            ++i;
        }
        const std::size_t start = i;
        while (i < line.size() && !is_space(line[i])) {
            ++i;
        }
        if (i > start) {
            fields[found++] = line.substr(start, i - start);
        }
    }
    return fields;
}

struct PortProto {
    std::uint16_t port = 0;
    Proto proto = Proto::tcp;
};

// "80/tcp" -> {80, tcp}; other protocols (sctp, ddp) and junk -> nullopt.
std::optional<PortProto> parse_port_proto(std::string_view text) {
    const std::size_t slash = text.find('/');
    if (slash == 0 || slash == std::string_view::npos || slash > 5) {
        return std::nullopt;
    }
    std::uint32_t port = 0;
    for (const char c : text.substr(0, slash)) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        port = port * 10 + static_cast<std::uint32_t>(c - '0');
    }
    if (port > 65535) {
        return std::nullopt;
    }
    const std::string_view proto = text.substr(slash + 1);
    if (proto == "tcp") {
        return PortProto{static_cast<std::uint16_t>(port), Proto::tcp};
    }
    if (proto == "udp") {
        return PortProto{static_cast<std::uint16_t>(port), Proto::udp};
    }
    return std::nullopt;
}

constexpr std::uint32_t kFrequencyScale = 1'000'000'000;  // frequencies in billionths

// nmap-services' third field, the fraction of scanned hosts where the port was open
// ("0.484143"), in billionths; nullopt for anything else (/etc/services puts aliases there).
std::optional<std::uint32_t> frequency(std::string_view field) {
    // nmap's own form, "0." or "1." and up to 9 digits, without a floating-point parse.
    if (field.size() >= 3 && field.size() <= 11 && (field[0] == '0' || field[0] == '1') && field[1] == '.') {
        std::uint32_t value = field[0] == '1' ? kFrequencyScale : 0;
        std::uint32_t unit = kFrequencyScale / 10;
        bool digits = true;
        for (const char c : field.substr(2)) {
            digits = digits && c >= '0' && c <= '9';
            value += digits ? static_cast<std::uint32_t>(c - '0') * unit : 0;
            unit /= 10;
        }
        if (digits) {  // above 1 ("1.5") is no frequency
            return value <= kFrequencyScale ? std::optional<std::uint32_t>(value) : std::nullopt;
        }
    }
    double value = 0;
    const auto [ptr, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
    if (field.empty() || ec != std::errc{} || ptr != field.data() + field.size() || !(value >= 0 && value <= 1)) {
        return std::nullopt;
    }
    return static_cast<std::uint32_t>(value * kFrequencyScale + 0.5);
}

// One "name port/proto" line: where its name is, and its frequency column if it has one.
struct PortLine {
    std::uint32_t key;
    std::uint32_t offset;
    Proto proto;
    std::optional<std::uint32_t> frequency;
};

struct PortIndex {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> by_port;
    std::vector<std::uint16_t> ranked_tcp;
    std::vector<std::uint16_t> ranked_udp;
};

// Most often open first; equal frequencies by port (what nmap's --top-ports picks). `entries`:
// (kFrequencyScale - frequency) << 16 | port, so that plain integer order is that order.
std::vector<std::uint16_t> by_frequency(std::vector<std::uint64_t> entries) {
    std::sort(entries.begin(), entries.end());
    std::vector<std::uint16_t> ports;
    ports.reserve(entries.size());
    for (const std::uint64_t e : entries) {
        ports.push_back(static_cast<std::uint16_t>(e & 0xffffU));
    }
    return ports;
}

// The first line of a port wins (its name, and its frequency for the ranking).
PortIndex index_ports(std::vector<PortLine> lines) {
    // Offsets grow line by line: (key, offset) order keeps a port's lines in file order.
    // nmap-services is in that order already.
    const auto before = [](const PortLine& a, const PortLine& b) {
        return a.key != b.key ? a.key < b.key : a.offset < b.offset;
    };
    if (!std::is_sorted(lines.begin(), lines.end(), before)) {
        std::sort(lines.begin(), lines.end(), before);
    }
    PortIndex index;
    std::vector<std::uint64_t> tcp_ranked;
    std::vector<std::uint64_t> udp_ranked;
    index.by_port.reserve(lines.size());
    for (const PortLine& line : lines) {
        if (!index.by_port.empty() && index.by_port.back().first == line.key) {
            continue;
        }
        index.by_port.emplace_back(line.key, line.offset);
        if (line.frequency) {
            const std::uint64_t port = line.key >> 8;
            (line.proto == Proto::tcp ? tcp_ranked : udp_ranked)
                .push_back((std::uint64_t{kFrequencyScale - *line.frequency} << 16) | port);
        }
    }
    index.ranked_tcp = by_frequency(std::move(tcp_ranked));
    index.ranked_udp = by_frequency(std::move(udp_ranked));
    return index;
}

}  // namespace

ServiceNames ServiceNames::parse(std::string_view text) {
    ServiceNames names;
    std::vector<PortLine> lines;
    // nmap-services' lines average ~37 bytes, and its names ~9: room for a file like it
    // without regrowing (page faults were a tenth of a parse).
    lines.reserve(text.size() / 32);
    names.names_.reserve(text.size() / 4);
    names.tcp_by_name_.reserve(text.size() / 64);
    names.udp_by_name_.reserve(text.size() / 64);
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        std::string_view line = text.substr(start, end - start);
        start = end + 1;
        if (const std::size_t hash = line.find('#'); hash != std::string_view::npos) {
            line = line.substr(0, hash);
        }
        // The third field: nmap's open frequency, or /etc/services' first alias (not needed).
        const auto [name, port_proto, third] = first_fields(line);
        if (name.empty() || port_proto.empty()) {
            continue;
        }
        const auto parsed = parse_port_proto(port_proto);
        if (!parsed) {
            continue;
        }
        const auto offset = static_cast<std::uint32_t>(names.names_.size());
        names.names_.append(name);
        names.names_.push_back('\0');
        lines.push_back(PortLine{key_of(parsed->port, parsed->proto), offset, parsed->proto, frequency(third)});
        auto& by_name = parsed->proto == Proto::tcp ? names.tcp_by_name_ : names.udp_by_name_;
        by_name.emplace_back(offset, parsed->port);
    }
    PortIndex ports = index_ports(std::move(lines));
    names.by_port_ = std::move(ports.by_port);
    names.ranked_tcp_ = std::move(ports.ranked_tcp);
    names.ranked_udp_ = std::move(ports.ranked_udp);
    for (NameIndex* index : {&names.tcp_by_name_, &names.udp_by_name_}) {
        // By name; among equal names the first in the file stays first (the position breaks
        // ties). Sorted on (name, position) keys whose lengths are known once, not by
        // name_at() (a strlen) per comparison: this runs at every start-up.
        // The first 8 bytes, big-endian and zero-padded (names hold no NUL), order like the
        // names' first 8 characters, so most comparisons (thousands of "unknown") are one
        // integer compare.
        struct Key {
            std::uint64_t head;
            std::string_view name;
            std::uint32_t position;
        };
        std::vector<Key> keys;
        keys.reserve(index->size());
        for (std::size_t i = 0; i < index->size(); ++i) {
            const std::string_view name = names.name_at((*index)[i].first);
            std::uint64_t head = 0;
            for (std::size_t b = 0; b < 8; ++b) {
                head = (head << 8) | (b < name.size() ? static_cast<std::uint8_t>(name[b]) : 0U);
            }
            keys.push_back(Key{head, name, static_cast<std::uint32_t>(i)});
        }
        std::sort(keys.begin(), keys.end(), [](const Key& x, const Key& y) {
            if (x.head != y.head) {
                return x.head < y.head;
            }
            if (x.name.size() > 8 || y.name.size() > 8) {
                if (const int order = x.name.compare(y.name); order != 0) {
                    return order < 0;
                }
            } else if (x.name.size() != y.name.size()) {
                return x.name.size() < y.name.size();  // equal heads: the shorter is a prefix
            }
            return x.position < y.position;
        });
        NameIndex sorted;
        sorted.reserve(index->size());
        for (const Key& k : keys) {
            sorted.push_back((*index)[k.position]);
        }
        *index = std::move(sorted);
    }
    return names;
}

std::string_view ServiceNames::name_at(std::uint32_t offset) const {
    return std::string_view(names_.c_str() + offset);
}

Result<ServiceNames> ServiceNames::load_file(const std::string& path) {
    auto text = read_text_file(path, kServicesLimits);
    if (!text) {
        return tl::unexpected(text.error());
    }
    ServiceNames names = parse(*text);
    names.source_path = path;
    return names;
}

ServiceNames ServiceNames::load_default() {
    for (const char* path : {"/usr/share/nmap/nmap-services", "/etc/services"}) {
        auto names = load_file(path);
        if (names) {
            return std::move(*names);
        }
    }
    return ServiceNames{};
}

std::string_view ServiceNames::name(std::uint16_t port, Proto proto) const {
    const std::uint32_t key = key_of(port, proto);
    const auto it = std::lower_bound(by_port_.begin(), by_port_.end(), key,
                                     [](const auto& entry, std::uint32_t k) { return entry.first < k; });
    return it == by_port_.end() || it->first != key ? std::string_view() : name_at(it->second);
}

std::optional<std::uint16_t> ServiceNames::port(std::string_view name, Proto proto) const {
    const NameIndex& index = proto == Proto::tcp ? tcp_by_name_ : udp_by_name_;
    const auto it = std::lower_bound(index.begin(), index.end(), name,
                                     [this](const auto& entry, std::string_view n) { return name_at(entry.first) < n; });
    if (it == index.end() || name_at(it->first) != name) {
        return std::nullopt;
    }
    return it->second;
}

}  // namespace portwarden

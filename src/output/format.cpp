#include "output/format.hpp"

#include <cstdio>

#include <array>
#include <cmath>
#include <ctime>

#include <fmt/format.h>

namespace portwarden::output {
namespace {

std::tm local_tm(TimePoint t) {
    const std::time_t secs = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    localtime_r(&secs, &tm);
    return tm;
}

std::string strftime_text(const std::tm& tm, const char* format) {
    std::array<char, 128> buf{};
    const std::size_t n = std::strftime(buf.data(), buf.size(), format, &tm);
    return std::string(buf.data(), n);
}

// Length of the valid UTF-8 sequence starting at text[i], or 0 if it is not one.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char lead = byte(i);
    std::size_t len = 0;
    unsigned char min_second = 0x80;
    unsigned char max_second = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
        len = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        len = 3;
        if (lead == 0xE0) {
            min_second = 0xA0;  // no overlong forms
        } else if (lead == 0xED) {
            max_second = 0x9F;  // no surrogates
        }
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        len = 4;
        if (lead == 0xF0) {
            min_second = 0x90;
        } else if (lead == 0xF4) {
            max_second = 0x8F;  // nothing above U+10FFFF
        }
    } else {
        return 0;
    }
    if (i + len > text.size()) {
        return 0;
    }
    if (byte(i + 1) < min_second || byte(i + 1) > max_second) {
        return 0;
    }
    for (std::size_t k = 2; k < len; ++k) {
        if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) {
            return 0;
        }
    }
    return len;
}

// Appends text[i] (or the UTF-8 sequence it starts) as it is, or a control character or
// invalid byte as "\\xNN"; returns the number of bytes taken.
std::size_t append_visible(std::string& out, std::string_view text, std::size_t i) {
    const auto u = static_cast<unsigned char>(text[i]);
    if (u < 0x20 || u == 0x7F) {
        out += fmt::format("\\x{:02X}", u);
        return 1;
    }
    if (u < 0x80) {
        out += text[i];
        return 1;
    }
    const std::size_t len = utf8_sequence_length(text, i);
    if (len == 0) {
        out += fmt::format("\\x{:02X}", u);
        return 1;
    }
    out.append(text.substr(i, len));
    return len;
}

}  // namespace

std::string ctime_text(TimePoint t) { return strftime_text(local_tm(t), "%a %b %e %H:%M:%S %Y"); }

std::string start_line_time(TimePoint t) { return strftime_text(local_tm(t), "%Y-%m-%d %H:%M %Z"); }

std::string iso_utc(TimePoint t) {
    const std::time_t secs = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    return strftime_text(tm, "%Y-%m-%dT%H:%M:%SZ");
}

std::int64_t epoch_seconds(TimePoint t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

double to_seconds(std::chrono::steady_clock::duration d) {
    return std::chrono::duration<double>(d).count();
}

std::string sig_digits(double value, int digits) {
    int shift = -digits;
    if (value != 0.0) {
        shift = static_cast<int>(std::floor(std::log10(std::fabs(value)))) - digits + 1;
        value = std::floor(value / std::pow(10.0, shift) + 0.5);
        value = value * std::pow(10.0, shift);
    }
    return fmt::format("{:.{}f}", value, shift < 0 ? -shift : 0);
}

std::string range_list(std::span<const std::uint16_t> ports) {
    std::string out;
    std::size_t start = 0;
    while (start < ports.size()) {
        std::size_t end = start;
        while (end + 1 < ports.size() && ports[end + 1] == ports[end] + 1) {
            ++end;
        }
        if (start > 0) {
            out += ',';
        }
        if (start == end) {
            out += fmt::format("{}", ports[start]);
        } else {
            out += fmt::format("{}-{}", ports[start], ports[end]);
        }
        start = end + 1;
    }
    return out;
}

std::string version_text(std::string_view version) {
    return fmt::format("portwarden {}", version.empty() ? std::string_view(PW_VERSION) : version);
}

bool stopped_early(const ScanSummary& summary) {
    return summary.interrupted || !summary.error.empty();
}

HostCounts host_counts(const ScanSummary& summary) {
    HostCounts c;
    c.scanned = stopped_early(summary) ? summary.hosts_done : summary.hosts_total;
    c.up = summary.hosts_up;
    if (c.up > c.scanned) {
        c.scanned = c.up;
    }
    return c;
}

std::string done_phrase(const ScanSummary& summary) {
    const HostCounts c = host_counts(summary);
    return fmt::format("{} {} ({} {} up) scanned in {:.2f} seconds", c.scanned,
                       c.scanned == 1 ? "IP address" : "IP addresses", c.up,
                       c.up == 1 ? "host" : "hosts", to_seconds(summary.elapsed));
}

std::string_view service_name(const ServiceNames* names, std::uint16_t port, Proto proto) {
    if (names == nullptr) {
        return {};
    }
    return names->name(port, proto);
}

std::string_view service_name(const ServiceLookup& names, std::uint16_t port, Proto proto) {
    return service_name(names ? names() : nullptr, port, proto);
}

std::string name_ip(const HostResult& host) {
    const std::string& name = host.hostname.empty() ? host.ptr_name : host.hostname;
    if (name.empty()) {
        return host.address.to_string();
    }
    return fmt::format("{} ({})", visible_text(name), host.address.to_string());
}

std::string visible_text(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        i += append_visible(out, text, i);
    }
    return out;
}

std::string xml_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        const char c = text[i];
        const auto u = static_cast<unsigned char>(c);
        if (c == '<') {
            out += "&lt;";
        } else if (c == '>') {
            out += "&gt;";
        } else if (c == '&') {
            out += "&amp;";
        } else if (c == '"') {
            out += "&quot;";
        } else if (c == '\'') {
            out += "&apos;";
        } else if (c == '-' && i > 0 && text[i - 1] == '-') {
            out += "&#45;";  // "--" may not appear in a comment
        } else if (c == '\t' || c == '\n' || c == '\r') {
            out += fmt::format("&#x{:x};", u);  // kept exact in attribute values
        } else {
            i += append_visible(out, text, i);
            continue;
        }
        ++i;
    }
    return out;
}

void write_flushed(std::FILE* out, const std::string& text) {
    if (!text.empty()) {
        std::fwrite(text.data(), 1, text.size(), out);
    }
    std::fflush(out);
}

}  // namespace portwarden::output

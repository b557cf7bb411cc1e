#include "version/service_fp.hpp"

#include <cctype>

#include <fmt/format.h>

namespace portwarden::version {
namespace {

constexpr std::size_t kWrapAt = 74;         // nmap: "Wrap after 74 chars / line"
constexpr std::size_t kResponseUsed = 900;  // of each response (nmap without -d)
constexpr std::size_t kEnough = 2200;       // no further response once this long

bool is_alnum(unsigned char c) { return std::isalnum(c) != 0; }
bool is_punct(unsigned char c) { return std::ispunct(c) != 0; }

}  // namespace

// nmap counts the inserted "\nSF:" in the length it wraps by, so lines after the first are
// 71 characters of text: kept as is, the output is nmap's byte for byte.
void ServiceFingerprint::put(char c) {
    if (text_.size() % (kWrapAt + 1) == kWrapAt) {
        text_ += "\nSF:";
    }
    text_ += c;
}

void ServiceFingerprint::put(std::string_view s) {
    for (char c : s) {
        put(c);
    }
}

void ServiceFingerprint::add(std::string_view probe_name, std::string_view response) {
    if (response.empty() || text_.size() > kEnough) {
        return;
    }
    if (text_.empty()) {
        std::tm local{};
        localtime_r(&header_.time, &local);
        put(fmt::format("SF-Port{}-{}:V={}{}%I={}%D={}/{}%Time={:X}%P={}", header_.port,
                        header_.proto == Proto::tcp ? "TCP" : "UDP", header_.version, header_.ssl ? "%T=SSL" : "",
                        header_.intensity, local.tm_mon + 1, local.tm_mday, header_.time, header_.platform));
    }
    put(fmt::format("%r({},{:X},\"", probe_name, response.size()));  // the whole length, even if cut
    const std::string_view used = response.substr(0, kResponseUsed);
    for (std::size_t i = 0; i < used.size(); ++i) {
        const char c = used[i];
        const auto u = static_cast<unsigned char>(c);
        if (is_alnum(u)) {
            put(c);
        } else if (c == '\0') {
            // "\0" before a digit would read as an octal escape: nmap writes "\x00" there
            const bool digit_next = i + 1 < used.size() && std::isdigit(static_cast<unsigned char>(used[i + 1])) != 0;
            put(digit_next ? "\\x00" : "\\0");
        } else if (std::string_view("\\?\"[]().*+$^|").find(c) != std::string_view::npos) {
            put('\\');
            put(c);
        } else if (is_punct(u)) {
            put(c);
        } else if (c == '\r') {
            put("\\r");
        } else if (c == '\n') {
            put("\\n");
        } else if (c == '\t') {
            put("\\t");
        } else {
            put(fmt::format("\\x{:02x}", u));
        }
    }
    put("\")");
}

std::string unwrap_fingerprint(std::string_view wrapped) {
    std::string out;
    out.reserve(wrapped.size());
    for (std::size_t i = 0; i < wrapped.size();) {
        if (wrapped.substr(i, 4) == "\nSF:") {
            i += 4;
            continue;
        }
        out += wrapped[i++];
    }
    return out;
}

std::string build_platform() {
#if defined(__x86_64__)
    return "x86_64-pc-linux-gnu";
#elif defined(__aarch64__)
    return "aarch64-unknown-linux-gnu";
#else
    return "unknown-linux-gnu";
#endif
}

}  // namespace portwarden::version

// Target list files (-iL, --excludefile): reading and splitting into specs.
#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

#include "portwarden/targets.hpp"

namespace portwarden {
namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// "32 MiB" or "4096 bytes".
std::string size_text(std::size_t bytes) {
    return bytes % kMiB == 0 ? fmt::format("{} MiB", bytes / kMiB) : fmt::format("{} bytes", bytes);
}

Result<std::string> read_stream(std::FILE* file, const std::string& path, const TextLimits& limits) {
    std::string text;
    std::array<char, 65536> buffer{};
    while (true) {
        const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), file);
        if (text.size() + n > limits.max_bytes) {
            return fail(fmt::format("{}: larger than {}, the limit for a {}", path, size_text(limits.max_bytes),
                                    limits.what));
        }
        text.append(buffer.data(), n);
        if (n < buffer.size()) {
            break;
        }
    }
    if (std::ferror(file) != 0) {
        const int error = errno;
        return fail(fmt::format("cannot read '{}': {}", path, std::strerror(error)));
    }
    return text;
}

// The first line longer than limits.max_line, as an error.
Result<void> check_lines(std::string_view text, const std::string& path, const TextLimits& limits) {
    std::size_t start = 0;
    std::size_t line = 1;
    while (start < text.size()) {
        const auto nl = std::min(text.find('\n', start), text.size());
        if (nl - start > limits.max_line) {
            return fail(fmt::format("{}:{}: line longer than {}, the limit for a {}", path, line,
                                    size_text(limits.max_line), limits.what));
        }
        start = nl + 1;
        ++line;
    }
    return {};
}

}  // namespace

std::vector<std::string> split_target_list(std::string_view text) {
    std::vector<std::string> specs;
    bool in_comment = false;
    std::string current;
    for (const char c : text) {
        if (in_comment) {
            in_comment = c != '\n';
            continue;
        }
        if (c == '#' || is_space(c)) {
            if (!current.empty()) {
                specs.push_back(std::move(current));
                current.clear();
            }
            in_comment = c == '#';
            continue;
        }
        current.push_back(c);
    }
    if (!current.empty()) {
        specs.push_back(std::move(current));
    }
    return specs;
}

Result<std::string> read_text_file(const std::string& path, const TextLimits& limits) {
    std::FILE* file = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
    if (file == nullptr) {
        const int error = errno;
        return fail(fmt::format("cannot read '{}': {}", path, std::strerror(error)));
    }
    auto text = read_stream(file, path, limits);
    if (file != stdin) {
        std::fclose(file);
    }
    if (!text) {
        return text;
    }
    if (auto lines = check_lines(*text, path, limits); !lines) {
        return tl::unexpected(lines.error());
    }
    return text;
}

}  // namespace portwarden

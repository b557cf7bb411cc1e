// Target list files (-iL, --excludefile): reading and splitting into specs.
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

Result<std::string> read_stream(std::FILE* file, const std::string& path) {
    std::string text;
    std::array<char, 65536> buffer{};
    while (true) {
        const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), file);
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

Result<std::string> read_text_file(const std::string& path) {
    if (path == "-") {
        return read_stream(stdin, path);
    }
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (file == nullptr) {
        const int error = errno;
        return fail(fmt::format("cannot read '{}': {}", path, std::strerror(error)));
    }
    auto text = read_stream(file, path);
    std::fclose(file);
    return text;
}

}  // namespace portwarden

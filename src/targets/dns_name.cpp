#include "targets/dns_name.hpp"

#include <algorithm>
#include <cstddef>

#include <fmt/format.h>

namespace portwarden::detail {
namespace {

bool is_label_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

}  // namespace

std::optional<std::string> dns_name_problem(std::string_view text) {
    if (!text.empty() && text.back() == '.') {
        text.remove_suffix(1);
    }
    if (text.empty()) {
        return std::string("empty host name");
    }
    if (text.size() > 253) {
        return fmt::format("host name is {} characters long (at most 253)", text.size());
    }
    std::string_view last_label;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = text.find('.', start);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        const std::string_view label = text.substr(start, end - start);
        if (label.empty()) {
            return std::string("empty label in host name");
        }
        if (label.size() > 63) {
            return fmt::format("label '{}' is longer than 63 characters", label);
        }
        const auto bad = std::find_if_not(label.begin(), label.end(), is_label_char);
        if (bad != label.end()) {
            return fmt::format("character '{}' is not allowed in a host name", *bad);
        }
        if (label.front() == '-' || label.back() == '-') {
            return fmt::format("label '{}' starts or ends with '-'", label);
        }
        last_label = label;
        start = end + 1;
    }
    if (std::all_of(last_label.begin(), last_label.end(), is_digit)) {
        return std::string("not an IP address, and a host name cannot end in a numeric label");
    }
    return std::nullopt;
}

}  // namespace portwarden::detail

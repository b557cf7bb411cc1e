#include "version/regex.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <array>

#include <fmt/format.h>

namespace portwarden::version {

struct Regex::Code {
    pcre2_code* code = nullptr;
    explicit Code(pcre2_code* c) : code(c) {}
    Code(const Code&) = delete;
    Code& operator=(const Code&) = delete;
    ~Code() { pcre2_code_free(code); }
};

Result<Regex> Regex::compile(std::string_view pattern, RegexFlags flags) {
    std::uint32_t options = 0;
    if (flags.caseless) {
        options |= PCRE2_CASELESS;
    }
    if (flags.dotall) {
        options |= PCRE2_DOTALL;
    }
    int error = 0;
    PCRE2_SIZE offset = 0;
    const auto* bytes = reinterpret_cast<PCRE2_SPTR>(pattern.data());
    pcre2_code* code = pcre2_compile(bytes, pattern.size(), options, &error, &offset, nullptr);
    if (code == nullptr) {
        std::array<PCRE2_UCHAR, 256> text{};
        pcre2_get_error_message(error, text.data(), text.size());
        return fail(fmt::format("bad pattern at offset {}: {}", offset, reinterpret_cast<const char*>(text.data())));
    }
    Regex r;
    r.code_ = std::make_shared<const Code>(code);
    return r;
}

std::optional<Captures> Regex::match(std::string_view subject) const {
    using MatchData = std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)>;
    MatchData data(pcre2_match_data_create_from_pattern(code_->code, nullptr), &pcre2_match_data_free);
    if (!data) {
        return std::nullopt;
    }
    const int rc = pcre2_match(code_->code, reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), 0, 0,
                               data.get(), nullptr);
    if (rc <= 0) {
        return std::nullopt;  // no match, or the match limit: nmap counts both as no match
    }
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(data.get());
    const std::uint32_t pairs = pcre2_get_ovector_count(data.get());
    Captures out;
    out.reserve(pairs);
    for (std::uint32_t i = 0; i < pairs; ++i) {
        const PCRE2_SIZE start = ov[2 * i];
        const PCRE2_SIZE end = ov[2 * i + 1];
        if (start == PCRE2_UNSET || end < start || i >= static_cast<std::uint32_t>(rc)) {
            out.emplace_back();
        } else {
            out.push_back(subject.substr(start, end - start));
        }
    }
    return out;
}

}  // namespace portwarden::version

#pragma once
// A compiled PCRE2 pattern (nmap's match lines are PCRE) and its captures on a byte string.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "portwarden/error.hpp"

namespace portwarden::version {

struct RegexFlags {
    bool caseless = false;  // the 'i' after the closing delimiter
    bool dotall = false;    // 's'
};

// Capture i (1-based as in $1) of a successful match; an unset group is empty.
using Captures = std::vector<std::string_view>;

class Regex {
public:
    static Result<Regex> compile(std::string_view pattern, RegexFlags flags);
    // The captures ([0] = whole match) when the pattern matches somewhere in `subject`.
    std::optional<Captures> match(std::string_view subject) const;

private:
    struct Code;
    std::shared_ptr<const Code> code_;
};

}  // namespace portwarden::version

#pragma once
// Host name validation for target specs (nothing numeric-looking may reach a resolver).
#include <optional>
#include <string>
#include <string_view>

namespace portwarden::detail {

// Why `text` is not a usable DNS host name, or nullopt when it is one. Labels are 1-63 of
// [A-Za-z0-9_-] not starting or ending with '-', at most 253 characters, one optional
// trailing dot, and the last label is not all digits (so "1.2.3" is never a name).
std::optional<std::string> dns_name_problem(std::string_view text);

}  // namespace portwarden::detail

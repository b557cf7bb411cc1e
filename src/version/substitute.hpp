#pragma once
// Filling a match line's templates from the pattern's captures: $1..$9, $P(n) (printable
// bytes only), $SUBST(n,"from","to"). CPE templates get their substitutions lower-cased, spaces
// as '_' and the CPE-reserved characters %-escaped, as nmap does. Trailing spaces and commas
// are trimmed.
#include <optional>
#include <string>
#include <string_view>

#include "portwarden/version.hpp"
#include "version/probe_db.hpp"
#include "version/regex.hpp"

namespace portwarden::version {

enum class Transform : std::uint8_t { none, cpe };

// nullopt when the template is malformed or names a capture the pattern does not have.
std::optional<std::string> substitute(std::string_view tmpl, const Captures& captures, Transform transform);

// The ServiceInfo a matched rule gives (conf 10).
ServiceInfo fill_service(const MatchRule& rule, const Captures& captures);

}  // namespace portwarden::version

#pragma once
// The reader of nmap-service-probes (the format of nmap's "Service Probes File" chapter).
#include <string>
#include <string_view>

#include "portwarden/error.hpp"
#include "version/probe_db.hpp"

namespace portwarden::version {

// One match/softmatch line (the whole line) as a rule; `line` is its number for messages.
Result<MatchRule> parse_match_line(std::string_view text, std::size_t line);

// The whole file. Errors read "NAME:LINE: what".
Result<ProbeDb> parse_probe_file(std::string_view text, const std::string& name);

}  // namespace portwarden::version

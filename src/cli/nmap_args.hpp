#pragma once
// nmap's flags are not GNU-style (-sT, -oX FILE, -Pn, -iL FILE, -T4, -p-, -p22). This rewrites
// them into long options that CLI11 parses, so both spellings work: `-oX f` == `--xml f`.
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "portwarden/error.hpp"

namespace portwarden::cli {

// Rewrites argv (without the program name). Errors name the bad flag.
Result<std::vector<std::string>> translate_nmap_flags(const std::vector<std::string>& args);

// nmap time syntax: "250ms", "2s", "1.5m", "1h", "30" (seconds). Error names the text.
Result<std::chrono::microseconds> parse_duration(std::string_view text);

}  // namespace portwarden::cli

#pragma once
// nmap's flags are not GNU-style (-sT, -oX FILE, -Pn, -iL FILE, -T4, -p-, -p22). This rewrites
// them into long options that CLI11 parses, so both spellings work: `-oX f` == `--xml f`.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "portwarden/error.hpp"

namespace portwarden::cli {

// Rewrites argv (without the program name). Errors name the bad flag.
Result<std::vector<std::string>> translate_nmap_flags(const std::vector<std::string>& args);

// nmap time syntax: "250ms", "2s", "1.5m", "1h", "30" (seconds). Error names the text.
Result<std::chrono::microseconds> parse_duration(std::string_view text);

// --scanflags: a number 0-255 (decimal, or hex with 0x), or flag names run together in any
// order and case ("SYNFIN", "urgpshfin", "ACK|PSH"): FIN SYN RST PSH ACK URG ECE CWR, plus
// ALL and NONE. Error names the text.
Result<std::uint8_t> parse_tcp_flags(std::string_view text);

}  // namespace portwarden::cli

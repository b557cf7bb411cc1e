#pragma once
// Reading scan results back from a file: portwarden's JSON Lines (-oJ) or Nmap XML (-oX, ours
// or nmap's). The format is detected from the content. Errors name the file (and line).
#include <string>
#include <string_view>
#include <vector>

#include "portwarden/error.hpp"
#include "portwarden/results.hpp"

namespace portwarden {

Result<std::vector<HostResult>> read_result_file(const std::string& path);
// The same on text already read; `path` only names it in messages.
Result<std::vector<HostResult>> parse_result_text(std::string_view text, const std::string& path);
Result<std::vector<HostResult>> parse_json_lines(std::string_view text, const std::string& path);
Result<std::vector<HostResult>> parse_nmap_xml(std::string_view text, const std::string& path);

}  // namespace portwarden

// read_result_file: JSON Lines or Nmap XML, told apart by the first character.
#include <fmt/format.h>

#include "portwarden/result_file.hpp"
#include "portwarden/targets.hpp"

namespace portwarden {

Result<std::vector<HostResult>> parse_result_text(std::string_view text, const std::string& path) {
    const auto start = text.find_first_not_of(" \t\r\n");
    if (start == std::string_view::npos) {
        return fail(fmt::format("{}: the file is empty (expected portwarden JSON Lines or Nmap XML)", path));
    }
    if (text[start] == '<') {
        return parse_nmap_xml(text, path);
    }
    if (text[start] == '{') {
        return parse_json_lines(text, path);
    }
    return fail(fmt::format("{}: not a result file (expected portwarden JSON Lines, -oJ, or Nmap XML, -oX)", path));
}

Result<std::vector<HostResult>> read_result_file(const std::string& path) {
    auto text = read_text_file(path, kResultFileLimits);
    if (!text) {
        return tl::unexpected(text.error());
    }
    return parse_result_text(*text, path);
}

}  // namespace portwarden

#pragma once
// nmap's NmapOutputTable as the text writer needs it (PORT table, TRACEROUTE table).
#include <string>
#include <vector>

namespace portwarden::output {

// Each column as wide as its widest cell plus one space; a row's last cell is not padded, so a
// row with fewer cells than the others (nmap's "..." hop row) has no trailing spaces.
std::string render_table(const std::vector<std::vector<std::string>>& rows);

}  // namespace portwarden::output

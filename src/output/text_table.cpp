#include "output/text_table.hpp"

#include <algorithm>

namespace portwarden::output {

std::string render_table(const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> widths;
    for (const auto& row : rows) {
        widths.resize(std::max(widths.size(), row.size()));
        for (std::size_t c = 0; c < row.size(); ++c) {
            widths[c] = std::max(widths[c], row[c].size());
        }
    }
    std::string out;
    for (const auto& row : rows) {
        for (std::size_t c = 0; c < row.size(); ++c) {
            out += row[c];
            if (c + 1 < row.size()) {
                out.append(widths[c] - row[c].size() + 1, ' ');
            }
        }
        out += '\n';
    }
    return out;
}

}  // namespace portwarden::output

// What a history URL names (open.cpp opens it): PostgreSQL or a SQLite file.
#include "portwarden/history.hpp"

namespace portwarden {

Result<HistoryLocation> parse_history_url(std::string_view url) {
    if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
        return HistoryLocation{true, std::string(url)};
    }
    if (url.starts_with("sqlite:")) {
        url.remove_prefix(7);
    }
    if (url.empty()) {
        return fail("history: empty database path");
    }
    if (url.find('\0') != std::string_view::npos) {
        return fail("history: the database path holds a NUL byte");
    }
    return HistoryLocation{false, std::string(url)};
}

}  // namespace portwarden

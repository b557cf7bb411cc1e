// Opening the history: which backend a URL names, and where the default database lives.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <thread>

#include <fmt/format.h>

#include "history/sql.hpp"
#include "portwarden/history.hpp"

namespace portwarden {

using history::SqlConnection;

int history_schema_version() { return static_cast<int>(history::history_migrations().size()); }

namespace {

// Opens and migrates once.
Result<std::unique_ptr<HistoryStore>> open_once(std::string_view url);

bool transient(const Error& e) {
    return e.message.find("database is locked") != std::string::npos ||
           e.message.find("database is busy") != std::string::npos;
}

}  // namespace

// Two processes opening a new SQLite file at once race to switch it to WAL and to create the
// schema; SQLite reports some of those lock conflicts at once instead of waiting out the busy
// timeout. Such an open is tried again, for at most 30 s.
Result<std::unique_ptr<HistoryStore>> open_history(std::string_view url) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (;;) {
        auto store = open_once(url);
        if (store || !transient(store.error()) || std::chrono::steady_clock::now() >= deadline) {
            return store;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

namespace {

Result<std::unique_ptr<HistoryStore>> open_once(std::string_view url) {
    auto location = parse_history_url(url);
    if (!location) {
        return tl::unexpected(location.error());
    }
    std::string where = location->path;
    Result<std::unique_ptr<SqlConnection>> db;
    if (location->postgres) {
        where = "postgresql database";  // the URL may hold a password: never echo it
        db = history::open_postgres(location->path);
    } else {
        const auto dir = std::filesystem::path(where).parent_path();
        std::error_code ec;
        if (!dir.empty() && !std::filesystem::create_directories(dir, ec) && ec) {
            return fail(fmt::format("history: cannot create {}: {}", dir.string(), ec.message()));
        }
        db = history::open_sqlite(where);
    }
    if (!db) {
        return fail(fmt::format("history: {}", db.error().message));
    }
    auto version = history::migrate(**db, history::history_migrations());
    if (!version) {
        return fail(fmt::format("history: {}: {}", where, version.error().message));
    }
    return history::make_store(std::move(*db), *version);
}

}  // namespace

Result<std::filesystem::path> default_history_path(std::string_view xdg_data_home,
                                                   std::string_view home) {
    const auto tail = std::filesystem::path("portwarden") / "history.db";
    // The XDG spec: a relative $XDG_DATA_HOME is invalid and is ignored.
    if (!xdg_data_home.empty() && xdg_data_home.front() == '/') {
        return std::filesystem::path(xdg_data_home) / tail;
    }
    if (!home.empty()) {
        return std::filesystem::path(home) / ".local" / "share" / tail;
    }
    return fail("history: neither XDG_DATA_HOME nor HOME is set; give the database with --db");
}

Result<std::filesystem::path> default_history_path() {
    const char* xdg = std::getenv("XDG_DATA_HOME");
    const char* home = std::getenv("HOME");
    return default_history_path(xdg != nullptr ? xdg : "", home != nullptr ? home : "");
}

}  // namespace portwarden

#pragma once
// Where a command's scan comes from: a result file (our -oJ JSON Lines, any Nmap XML) or a
// history scan id (`@12`, or a plain number that is not a file). `diff` and `report` share it.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "portwarden/error.hpp"
#include "portwarden/history.hpp"
#include "portwarden/results.hpp"

namespace portwarden::cli {

// The history id `arg` names, if it names one rather than a file.
std::optional<std::int64_t> history_id(const std::string& arg);

// For commands that only read the history (history, diff, report): opens `url` only when it
// exists, so a mistyped --db creates no directory and no empty database. PostgreSQL URLs are
// opened as they are. Error: "history: no database at PATH".
Result<std::unique_ptr<HistoryStore>> open_existing_history(const std::string& url);

// Loads scans; opens the history database (`db`, else the user's default) on first need.
class ScanSource {
public:
    explicit ScanSource(std::string db) : db_(std::move(db)) {}
    Result<std::vector<HostResult>> load(const std::string& arg);
    // The id of the stored scan recorded just before `id`, if there is one.
    Result<std::optional<std::int64_t>> previous_scan(std::int64_t id);
    // The history database, opened on first need.
    Result<HistoryStore*> store();

private:
    std::string db_;
    std::unique_ptr<HistoryStore> store_;
};

}  // namespace portwarden::cli

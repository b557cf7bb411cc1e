#pragma once
// Where a command's scan comes from: a result file (our -oJ JSON Lines, any Nmap XML) or a
// history scan id (`@12`, or a plain number that is not a file), or a named scan recorded by
// shards (`@NAME`). `diff`, `report` and `audit --from` share it.
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

// The named scan `arg` names (`@NAME`, NAME a --scan-id that is not all digits), if any.
std::optional<std::string> history_scan_name(const std::string& arg);

// For commands that only read the history (history, diff, report): opens `url` only when it
// exists, so a mistyped --db creates no directory and no empty database. PostgreSQL URLs are
// opened as they are. Error: "history: no database at PATH".
Result<std::unique_ptr<HistoryStore>> open_existing_history(const std::string& url);

// Loads scans; opens the history database (`db`, else the user's default) on first need.
class ScanSource {
public:
    explicit ScanSource(std::string db) : db_(std::move(db)) {}
    // A file, `@12` (one stored scan) or `@NAME` (every shard of the named scan, merged; a
    // warning on stderr names the shards missing when it is incomplete).
    Result<std::vector<HostResult>> load(const std::string& arg);
    // The id of the stored scan recorded just before `id`, if there is one.
    Result<std::optional<std::int64_t>> previous_scan(std::int64_t id);
    // The history database, opened on first need.
    Result<HistoryStore*> store();

private:
    Result<std::vector<HostResult>> load_named(const std::string& name);
    std::string db_;
    std::unique_ptr<HistoryStore> store_;
};

}  // namespace portwarden::cli

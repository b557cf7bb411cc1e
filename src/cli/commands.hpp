#pragma once
// Subcommands. Each takes its arguments (after the subcommand name) and returns the exit code.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "portwarden/results.hpp"

namespace portwarden::cli {

inline constexpr int exit_ok = 0;
inline constexpr int exit_bad_input = 2;

// What `audit` needs of a scan: every finished host, and stdout left to it.
struct ScanHooks {
    std::function<void(const HostResult&)> host_done;
    bool stdout_report = true;
    // Called once the scan is stored in the history: its id and the database's URL (a path,
    // or postgresql://...), so a caller can store more about it (the audit its verdict).
    std::function<void(std::int64_t scan_id, const std::string& db_url)> recorded;
};

int scan_command(const std::vector<std::string>& args, const std::string& command_line,
                 const ScanHooks& hooks = {});
int diff_command(const std::vector<std::string>& args);
int history_command(const std::vector<std::string>& args);
int report_command(const std::vector<std::string>& args);
int audit_command(const std::vector<std::string>& args, const std::string& command_line);
int probe_command(const std::vector<std::string>& args);
int wait_command(const std::vector<std::string>& args);
int inventory_command(const std::vector<std::string>& args);
int watch_command(const std::vector<std::string>& args);

}  // namespace portwarden::cli

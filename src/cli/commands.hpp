#pragma once
// Subcommands. Each takes its arguments (after the subcommand name) and returns the exit code.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "portwarden/history.hpp"
#include "portwarden/results.hpp"

namespace portwarden::cli {

inline constexpr int exit_ok = 0;
inline constexpr int exit_bad_input = 2;

// What `audit` needs of a scan: every finished host, and stdout left to it.
struct ScanHooks {
    std::function<void(const HostResult&)> host_done;
    bool stdout_report = true;
    bool discover = false;  // `portwarden discover` (= scan -sn): its own --help
    // The -p spec may name ports of a protocol the technique does not scan (`audit` passes a
    // policy's T: and U: ports whatever the technique): those are left out, not an error.
    bool other_protocol_ports = false;
    // Called once the scan is stored in the history: its id and the store, still open, so a
    // caller can store more about it (the audit its verdict). A raw scan has dropped its
    // privileges by then: the database could not be opened again if only root may write it.
    std::function<void(std::int64_t scan_id, HistoryStore& store)> recorded;
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
int explain_command(const std::vector<std::string>& args);
int firewall_command(const std::vector<std::string>& args);
int watch_command(const std::vector<std::string>& args);
int merge_command(const std::vector<std::string>& args, const std::string& command_line);

}  // namespace portwarden::cli

#pragma once
// Subcommands. Each takes its arguments (after the subcommand name) and returns the exit code.
#include <string>
#include <vector>

namespace portwarden::cli {

inline constexpr int exit_ok = 0;
inline constexpr int exit_bad_input = 2;

int scan_command(const std::vector<std::string>& args, const std::string& command_line);
int probe_command(const std::vector<std::string>& args);
int wait_command(const std::vector<std::string>& args);

}  // namespace portwarden::cli

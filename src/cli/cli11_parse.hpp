#pragma once
// Runs CLI11 on an argument list and turns its errors into one line + exit code 2.
#include <optional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <CLI/CLI.hpp>

namespace portwarden::cli {

// nullopt: parsed, go on. A value: stop and return it (0 after --help, 2 after an error,
// which was printed as one line "portwarden: ...").
std::optional<int> parse_or_exit(CLI::App& app, std::vector<std::string> args);

// An option given with an empty value (--db ''), which would silently mean its default: one
// line naming the option, and exit_bad_input. nullopt when the option is absent or not empty.
std::optional<int> reject_empty(const CLI::App& app, const std::string& option, const std::string& value);

// A group of flags as a table, one row each: its long name, where its value goes, its help.
// bool: a flag; int and string: an option with one value; vector<string>: an option given once
// per value (-PS22 -PS80), never taking the next word.
struct FlagRow {
    std::string_view name;
    std::variant<bool*, int*, std::string*, std::vector<std::string>*> value;
    std::string_view help;
};
void add_flags(CLI::App& app, std::initializer_list<FlagRow> rows);

// Prints "portwarden: <message>" on stderr and returns exit_bad_input.
int bad_input(const std::string& message);

}  // namespace portwarden::cli

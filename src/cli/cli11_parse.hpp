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

// A flag counted each time it is given (-v -v, -vv: 2).
struct Repeats {
    int* count;
};
// An option (or a positional) that takes the words after it (--technique syn udp).
struct Words {
    std::vector<std::string>* values;
};

// A group of flags as a table, one row each: its long name, where its value goes, its help.
// bool: a flag; Repeats: a counted flag; int and string: an option with one value;
// vector<string>: an option given once per value (-PS22 -PS80), never taking the next word;
// Words: one taking the next words.
struct FlagRow {
    std::string_view name;
    std::variant<bool*, Repeats, int*, std::string*, std::vector<std::string>*, Words> value;
    std::string_view help;
};
void add_flags(CLI::App& app, std::initializer_list<FlagRow> rows);

// Prints "portwarden: <message>" on stderr and returns exit_bad_input.
int bad_input(const std::string& message);

}  // namespace portwarden::cli

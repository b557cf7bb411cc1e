#include "cli/cli11_parse.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "cli/commands.hpp"

namespace portwarden::cli {

int bad_input(const std::string& message) {
    fmt::print(stderr, "portwarden: {}\n", message);
    return exit_bad_input;
}

std::optional<int> parse_or_exit(CLI::App& app, std::vector<std::string> args) {
    std::reverse(args.begin(), args.end());  // CLI11 takes the vector back to front
    try {
        app.parse(args);
    } catch (const CLI::CallForHelp&) {
        fmt::print("{}", app.help());
        return exit_ok;
    } catch (const CLI::ParseError& e) {
        std::string what = e.what();
        std::replace(what.begin(), what.end(), '\n', ' ');
        return bad_input(what);
    }
    return std::nullopt;
}

}  // namespace portwarden::cli

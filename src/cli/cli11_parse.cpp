#include "cli/cli11_parse.hpp"

#include <algorithm>
#include <type_traits>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "output/format.hpp"

namespace portwarden::cli {

// The message often quotes the user's bad token: a CR, LF or escape sequence in it is shown
// as \xNN, so the error stays one honest line.
int bad_input(const std::string& message) {
    fmt::print(stderr, "portwarden: {}\n", output::visible_text(message));
    return exit_bad_input;
}

void add_flags(CLI::App& app, std::initializer_list<FlagRow> rows) {
    for (const FlagRow& row : rows) {
        const std::string name(row.name);
        const std::string help(row.help);
        std::visit(
            [&](auto value) {
                using Value = std::remove_pointer_t<decltype(value)>;
                if constexpr (std::is_same_v<Value, Repeats>) {
                    app.add_flag(name, *value.count, help);
                } else if constexpr (std::is_same_v<Value, Words>) {
                    app.add_option(name, *value.values, help);
                } else if constexpr (std::is_same_v<Value, bool>) {
                    app.add_flag(name, *value, help);
                } else if constexpr (std::is_same_v<Value, std::vector<std::string>>) {
                    app.add_option(name, *value, help)->allow_extra_args(false);
                } else {
                    app.add_option(name, *value, help);
                }
            },
            row.value);
    }
}

std::optional<int> reject_empty(const CLI::App& app, const std::string& option, const std::string& value) {
    if (app.count(option) > 0 && value.empty()) {
        return bad_input(fmt::format("{} '': empty value (leave the option out for its default)", option));
    }
    return std::nullopt;
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

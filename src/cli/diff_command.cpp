// `portwarden diff A B`: what changed between two scans. A and B are result files (our -oJ
// JSON Lines, any Nmap XML: nmap's own scans diff too) or history scan ids (`@12`, or a plain
// number that is not a file). Exit codes: 0 same, 1 different, 2 error (one line on stderr).
#include <cstdio>
#include <filesystem>
#include <memory>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/cli11_parse.hpp"
#include "cli/commands.hpp"
#include "portwarden/diff.hpp"
#include "portwarden/history.hpp"
#include "portwarden/result_file.hpp"

namespace portwarden::cli {
namespace {

constexpr int exit_diff_error = 2;

int diff_error(const std::string& message) {
    fmt::print(stderr, "portwarden: {}\n", message);
    return exit_diff_error;
}

std::optional<std::int64_t> history_id(const std::string& arg) {
    const std::string digits = !arg.empty() && arg[0] == '@' ? arg.substr(1) : arg;
    if (digits.empty() || digits.size() > 18 || digits.find_first_not_of("0123456789") != std::string::npos) {
        return std::nullopt;
    }
    if (arg[0] != '@' && std::filesystem::exists(arg)) {
        return std::nullopt;  // a file that happens to be named by digits
    }
    return std::stoll(digits);
}

Result<std::vector<HostResult>> load(const std::string& arg, const std::string& db,
                                     std::unique_ptr<HistoryStore>& store) {
    const auto id = history_id(arg);
    if (!id) {
        return read_result_file(arg);
    }
    if (!store) {
        std::string url = db;
        if (url.empty()) {
            auto path = default_history_path();
            if (!path) {
                return tl::unexpected(path.error());
            }
            url = path->string();
        }
        auto opened = open_history(url);
        if (!opened) {
            return tl::unexpected(opened.error());
        }
        store = std::move(*opened);
    }
    auto hosts = store->load_scan(*id);
    if (!hosts) {
        return fail(fmt::format("history scan {}: {}", *id, hosts.error().message));
    }
    return hosts;
}

}  // namespace

int diff_command(const std::vector<std::string>& args) {
    CLI::App app{"portwarden diff: what changed between two scans (result files or history ids)", "portwarden diff"};
    std::string a;
    std::string b;
    std::string format = "text";
    std::string db;
    app.add_option("A", a, "the older scan: a -oJ/-oX file (ours or nmap's), or a history id (@12)")->required();
    app.add_option("B", b, "the newer scan, likewise")->required();
    app.add_option("--format", format, "text (ndiff-like) or json")->check(CLI::IsMember({"text", "json"}));
    app.add_option("--db", db, "history database for ids: PATH or postgresql://... (default: the user's)");
    if (auto code = parse_or_exit(app, args)) {
        return *code == 0 ? 0 : exit_diff_error;
    }
    std::unique_ptr<HistoryStore> store;
    auto left = load(a, db, store);
    if (!left) {
        return diff_error(left.error().message);
    }
    auto right = load(b, db, store);
    if (!right) {
        return diff_error(right.error().message);
    }
    const ScanDiff diff = diff_scans(*left, *right);
    const std::string text = format == "json" ? render_diff_json(diff, a, b) : render_diff_text(diff, a, b);
    std::fwrite(text.data(), 1, text.size(), stdout);
    return diff.different() ? 1 : 0;
}

}  // namespace portwarden::cli

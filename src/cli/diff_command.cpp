// `portwarden diff A B`: what changed between two scans. A and B are result files (our -oJ
// JSON Lines, any Nmap XML: nmap's own scans diff too) or history scan ids (`@12`, or a plain
// number that is not a file). Exit codes: 0 same, 1 different, 2 error (one line on stderr).
#include <cstdio>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/cli11_parse.hpp"
#include "cli/commands.hpp"
#include "cli/scan_source.hpp"
#include "portwarden/diff.hpp"

namespace portwarden::cli {
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
        return *code;  // 0 for --help, else exit_bad_input (2)
    }
    if (auto code = reject_empty(app, "--db", db)) {
        return *code;
    }
    ScanSource source(db);
    auto left = source.load(a);
    if (!left) {
        return bad_input(left.error().message);
    }
    auto right = source.load(b);
    if (!right) {
        return bad_input(right.error().message);
    }
    const ScanDiff diff = diff_scans(*left, *right);
    const std::string text = format == "json" ? render_diff_json(diff, a, b) : render_diff_text(diff, a, b);
    std::fwrite(text.data(), 1, text.size(), stdout);
    return diff.different() ? 1 : 0;
}

}  // namespace portwarden::cli

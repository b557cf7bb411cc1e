// portwarden: find out, fast and truthfully, what state every port is in.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <system_error>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "cli/cli11_parse.hpp"
#include "cli/commands.hpp"

namespace {

constexpr std::string_view usage = R"(usage: portwarden <command> [options]

commands:
  scan [nmap flags] TARGET...   scan ports (e.g. portwarden scan -sT -p- --reason 198.18.1.10)
  discover [flags] TARGET...    host discovery only: which hosts are up, why, how far (= scan -sn)
  probe HOST:PORT               one port's state, reason, round trip and a plain-language hint
  wait HOST:PORT                wait until a port is open (exit 0) or say why it is not
  history [HOST PORT]           stored scans, a port's timeline, --new-since DATE, --flapping
  merge SHARD... [-oJ F] [-oX F] the -oJ/-oX files of a scan's shards (--shard I/N) as one result
  diff A B                      what changed between two scans (-oJ/-oX files, nmap's too, or history ids)
  audit --policy FILE [...]     scan the hosts a policy names (or --from RESULTS) and check them
  explain HOST:PORT[/udp] ...    which firewall rule decides a port (--ruleset FILE | --nft), what nmap will show
  firewall check ...            a ruleset's predictions against a scan (--ruleset FILE --scan RESULTS)
  report RESULTS [...]          one self-contained HTML page: port maps, --policy violations, --previous drift
  inventory [--netns NAME]      every listening socket here: address, bind, process, user, unit (no packet sent)
  watch [--netns NAME] [--log F] detect port scans against this host, from packets or firewall log lines
  version                       print the version

Without a command, the arguments are those of `scan` (nmap habits work: portwarden -p 22 HOST).
Run `portwarden <command> --help` for the options of a command.
)";

int run(const std::vector<std::string>& args) {
    std::string command_line = "portwarden";
    for (const auto& a : args) {
        command_line += " " + a;
    }
    if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
        fmt::print("{}", usage);
        return args.empty() ? portwarden::cli::exit_bad_input : portwarden::cli::exit_ok;
    }
    const std::string command = args[0];
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    if (command == "version" || command == "--version" || command == "-V") {
        fmt::print("portwarden {}\n", PW_VERSION);
        return portwarden::cli::exit_ok;
    }
    if (command == "scan") {
        return portwarden::cli::scan_command(rest, command_line);
    }
    if (command == "discover") {
        std::vector<std::string> with_sn{"-sn"};
        with_sn.insert(with_sn.end(), rest.begin(), rest.end());
        portwarden::cli::ScanHooks hooks;
        hooks.discover = true;  // its own --help
        return portwarden::cli::scan_command(with_sn, command_line, hooks);
    }
    if (command == "history") {
        return portwarden::cli::history_command(rest);
    }
    if (command == "merge") {
        return portwarden::cli::merge_command(rest, command_line);
    }
    if (command == "diff") {
        return portwarden::cli::diff_command(rest);
    }
    if (command == "report") {
        return portwarden::cli::report_command(rest);
    }
    if (command == "audit") {
        return portwarden::cli::audit_command(rest, command_line);
    }
    if (command == "probe") {
        return portwarden::cli::probe_command(rest);
    }
    if (command == "watch") {
        return portwarden::cli::watch_command(rest);
    }
    if (command == "inventory") {
        return portwarden::cli::inventory_command(rest);
    }
    if (command == "explain") {
        return portwarden::cli::explain_command(rest);
    }
    if (command == "firewall") {
        return portwarden::cli::firewall_command(rest);
    }
    if (command == "wait") {
        return portwarden::cli::wait_command(rest);
    }
    if (command.front() == '-' || command.find_first_of("./:") != std::string::npos) {
        return portwarden::cli::scan_command(args, command_line);  // nmap habit: no subcommand
    }
    return portwarden::cli::bad_input(fmt::format("unknown command '{}' (try: portwarden help)", command));
}

}  // namespace

// Standard output is checked once, at the end: a full disk or a closed pipe is said on stderr
// and turns success into exit 1 (never lost in silence).
int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    int code = 0;
    int error = 0;
    try {
        code = run(args);
    } catch (const std::system_error& e) {  // fmt::print found standard output unwritable
        error = e.code().value() != 0 ? e.code().value() : EIO;
        code = 1;
    }
    errno = 0;
    if (std::fflush(stdout) != 0 || std::ferror(stdout) != 0 || error != 0) {
        error = error != 0 ? error : (errno != 0 ? errno : EIO);
        fmt::print(stderr, "portwarden: cannot write standard output: {}\n", std::strerror(error));
        return code == 0 ? 1 : code;
    }
    return code;
}

// `portwarden merge SHARD...`: the -oJ / -oX files of the shards of one scan (`scan --shard I/N
// --seed S` or `--scan-id NAME`) as one result, written as -oJ and/or -oX (default: -oJ on
// standard output). Refuses shards of different scans and overlapping shards (exit 2, one
// line); with shards missing it writes what it has, names them, and exits 1.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/cli11_parse.hpp"
#include "cli/commands.hpp"
#include "output/writer.hpp"
#include "portwarden/merge.hpp"

namespace portwarden::cli {
namespace {

Technique technique_named(const std::string& name) {
    for (int t = 0; t < technique_count; ++t) {
        if (to_string(static_cast<Technique>(t)) == name) {
            return static_cast<Technique>(t);
        }
    }
    return Technique::syn;
}

output::RunInfo run_info(const std::vector<HostResult>& hosts, const ShardLabel& label, const std::string& args) {
    output::RunInfo run;
    run.args = args;
    run.version = PW_VERSION;
    run.technique = technique_named(label.technique);
    for (const HostResult& h : hosts) {
        for (const PortResult& p : h.ports) {
            (p.proto == Proto::tcp ? run.ports.tcp : run.ports.udp).push_back(p.port);
        }
        run.start_time = run.start_time == std::chrono::system_clock::time_point{}
                             ? h.start_time
                             : std::min(run.start_time, h.start_time);
    }
    for (auto* list : {&run.ports.tcp, &run.ports.udp}) {
        std::ranges::sort(*list);
        list->erase(std::unique(list->begin(), list->end()), list->end());
    }
    return run;
}

ScanSummary summary_of(const std::vector<HostResult>& hosts, const output::RunInfo& run) {
    ScanSummary s;
    s.hosts_total = hosts.size();
    s.start_time = run.start_time;
    s.end_time = run.start_time;
    s.engine = "merged shards";
    for (const HostResult& h : hosts) {
        s.hosts_up += h.state == HostState::up ? 1 : 0;
        s.end_time = std::max(s.end_time, h.end_time);
    }
    s.elapsed = s.end_time - s.start_time;
    return s;
}

// Writes the hosts with `make` to `path` ("-": standard output). False, said on stderr, when
// the file cannot be written.
bool write_one(const std::string& path, std::unique_ptr<output::Writer> (*make)(std::FILE*),
               const std::vector<HostResult>& hosts, const output::RunInfo& run) {
    std::FILE* f = path == "-" ? stdout : std::fopen(path.c_str(), "w");
    if (f == nullptr) {
        fmt::print(stderr, "portwarden: cannot write '{}': {}\n", path, std::strerror(errno));
        return false;
    }
    auto writer = make(f);
    writer->begin(run);
    for (const HostResult& h : hosts) {
        writer->host(h);
    }
    writer->end(summary_of(hosts, run));
    const bool ok = std::ferror(f) == 0 && std::fflush(f) == 0;
    const int error = errno;
    if ((f != stdout && std::fclose(f) != 0) || !ok) {
        fmt::print(stderr, "portwarden: cannot write '{}': {}\n", path, std::strerror(ok ? errno : error));
        return false;
    }
    return true;
}

// The result-file readers do not read times back: a host without them gets its shard file's
// modification time (when the shard wrote it), not the epoch.
void stamp_unknown_times(ShardFile& shard) {
    std::error_code ec;
    const auto written = std::filesystem::last_write_time(shard.path, ec);
    if (ec) {
        return;
    }
    const auto when = std::chrono::file_clock::to_sys(written);
    for (HostResult& h : shard.hosts) {
        if (h.start_time == std::chrono::system_clock::time_point{}) {
            h.start_time = std::chrono::time_point_cast<std::chrono::system_clock::duration>(when);
        }
        if (h.end_time == std::chrono::system_clock::time_point{}) {
            h.end_time = std::chrono::time_point_cast<std::chrono::system_clock::duration>(when);
        }
    }
}

}  // namespace

int merge_command(const std::vector<std::string>& given, const std::string& command_line) {
    std::vector<std::string> args;
    for (const std::string& a : given) {  // nmap's spelling of the output flags
        args.push_back(a == "-oJ" ? "--json" : a == "-oX" ? "--xml" : a);
    }
    CLI::App app{"portwarden merge: the result files of a scan's shards as one result", "portwarden merge"};
    std::vector<std::string> files;
    std::string json;
    std::string xml;
    app.add_option("SHARD", files, "the shards' -oJ or -oX files (scan --shard I/N --seed S, or --scan-id NAME)")
        ->required();
    app.add_option("--json", json, "-oJ FILE: write the merged result as JSON Lines (- for stdout)");
    app.add_option("--xml", xml, "-oX FILE: write the merged result as Nmap XML (- for stdout)");
    if (auto code = parse_or_exit(app, args)) {
        return *code;
    }
    if (json.empty() && xml.empty()) {
        json = "-";
    }
    std::vector<ShardFile> shards;
    for (const std::string& path : files) {
        auto shard = read_shard_file(path);
        if (!shard) {
            return bad_input(shard.error().message);
        }
        shards.push_back(std::move(*shard));
    }
    std::vector<std::uint32_t> missing;
    if (auto ok = check_shard_set(shards, missing); !ok) {
        return bad_input(ok.error().message);
    }
    const ShardLabel label = shards.front().label;
    std::vector<std::vector<HostResult>> parts;
    for (ShardFile& s : shards) {
        stamp_unknown_times(s);
        parts.push_back(std::move(s.hosts));
    }
    auto hosts = merge_shard_hosts(std::move(parts));
    if (!hosts) {
        return bad_input(hosts.error().message);
    }
    const output::RunInfo run = run_info(*hosts, label, command_line);
    bool written = json.empty() || write_one(json, output::make_json_writer, *hosts, run);
    written = (xml.empty() || write_one(xml, output::make_xml_writer, *hosts, run)) && written;
    if (!missing.empty()) {
        fmt::print(stderr, "portwarden: merge: incomplete: shard(s) {} of {} missing\n",
                   fmt::join(missing, ", "), label.count);
        return 1;
    }
    return written ? exit_ok : 1;
}

}  // namespace portwarden::cli

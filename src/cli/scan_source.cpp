#include "cli/scan_source.hpp"

#include <filesystem>
#include <map>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "portwarden/merge.hpp"
#include "portwarden/result_file.hpp"

namespace portwarden::cli {

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

Result<std::unique_ptr<HistoryStore>> open_existing_history(const std::string& url) {
    const bool postgres = url.starts_with("postgresql://") || url.starts_with("postgres://");
    const std::string path = url.starts_with("sqlite:") ? url.substr(7) : url;
    std::error_code ec;
    if (!postgres && !std::filesystem::is_regular_file(path, ec)) {
        return fail(fmt::format("history: no database at {} (scans are stored there once one is run with "
                                "this --db)",
                                path));
    }
    return open_history(url);
}

Result<HistoryStore*> ScanSource::store() {
    if (!store_) {
        std::string url = db_;
        if (url.empty()) {
            auto path = default_history_path();
            if (!path) {
                return tl::unexpected(path.error());
            }
            url = path->string();
        }
        auto opened = open_existing_history(url);
        if (!opened) {
            return tl::unexpected(opened.error());
        }
        store_ = std::move(*opened);
    }
    return store_.get();
}

std::optional<std::string> history_scan_name(const std::string& arg) {
    if (arg.size() < 2 || arg[0] != '@' || history_id(arg) || !check_scan_name(arg.substr(1))) {
        return std::nullopt;
    }
    return arg.substr(1);
}

namespace {

// The runs of one shard index (an interrupted run, then its --resume runs) are one shard: a host
// one of them finished is complete, though the interrupted run left it incomplete. Runs of other
// indices are other shards (merge_shard_hosts: a host is complete if every shard finished it).
void complete_resumed_hosts(std::vector<std::vector<HostResult>>& runs, const std::vector<std::uint32_t>& indices) {
    std::map<std::pair<std::uint32_t, Address>, bool> complete;
    for (std::size_t i = 0; i < runs.size() && i < indices.size(); ++i) {
        for (const HostResult& h : runs[i]) {
            complete[{indices[i], h.address}] |= h.complete;
        }
    }
    for (std::size_t i = 0; i < runs.size() && i < indices.size(); ++i) {
        for (HostResult& h : runs[i]) {
            h.complete = complete[{indices[i], h.address}];
        }
    }
}

}  // namespace

Result<std::vector<HostResult>> ScanSource::load_named(const std::string& name) {
    auto s = store();
    if (!s) {
        return tl::unexpected(s.error());
    }
    auto named = (*s)->named_scan(name);
    if (!named) {
        return tl::unexpected(named.error());
    }
    std::vector<std::vector<HostResult>> shards;
    for (const std::int64_t id : named->scan_ids) {
        auto hosts = (*s)->load_scan(id);
        if (!hosts) {
            return fail(fmt::format("history scan '{}' (shard scan @{}): {}", name, id, hosts.error().message));
        }
        shards.push_back(std::move(*hosts));
    }
    if (!named->complete()) {
        fmt::print(stderr, "portwarden: warning: scan '{}' is incomplete: shard(s) {} of {} missing or unfinished\n",
                   name, fmt::join(named->missing, ", "), named->shard_count);
    }
    complete_resumed_hosts(shards, named->shard_indices);
    auto merged = merge_shard_hosts(std::move(shards));
    if (!merged) {
        return fail(fmt::format("history scan '{}': {}", name, merged.error().message));
    }
    return merged;
}

Result<std::vector<HostResult>> ScanSource::load(const std::string& arg) {
    if (const auto name = history_scan_name(arg)) {
        return load_named(*name);
    }
    const auto id = history_id(arg);
    if (!id) {
        return read_result_file(arg);
    }
    auto s = store();
    if (!s) {
        return tl::unexpected(s.error());
    }
    auto hosts = (*s)->load_scan(*id);
    if (!hosts) {
        return fail(fmt::format("history scan {}: {}", *id, hosts.error().message));
    }
    return hosts;
}

Result<std::optional<std::int64_t>> ScanSource::previous_scan(std::int64_t id) {
    auto s = store();
    if (!s) {
        return tl::unexpected(s.error());
    }
    auto scans = (*s)->list_scans();
    if (!scans) {
        return tl::unexpected(scans.error());
    }
    std::optional<std::int64_t> best;
    for (const ScanRecord& r : *scans) {
        if (r.id < id && (!best || r.id > *best)) {
            best = r.id;
        }
    }
    return best;
}

}  // namespace portwarden::cli

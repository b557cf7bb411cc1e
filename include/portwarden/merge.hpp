#pragma once
// One result from the shards of a scan (`scan --shard I/N --seed S`, or `--scan-id NAME`):
// `portwarden merge` and the history's named scans (history.hpp NamedScan) both use it.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "portwarden/error.hpp"
#include "portwarden/results.hpp"
#include "portwarden/scan.hpp"

namespace portwarden {

// A scan name (--scan-id): 1-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit.
Result<void> check_scan_name(std::string_view name);

// The seed `--scan-id NAME` implies when no --seed is given: every shard of the scan derives
// the same one (FNV-1a 64 of the name, never 0).
std::uint64_t seed_for_scan_name(std::string_view name);

// The hosts of several shards as one scan: hosts sorted by address, a host seen by several
// shards once (its ports joined, sorted by (proto, port); up when any shard saw it up;
// complete when every shard finished it; earliest start, latest end). A port reported by two
// shards is an error (the shards overlap): "host H port P/tcp is in two shards".
Result<std::vector<HostResult>> merge_shard_hosts(std::vector<std::vector<HostResult>> shards);

// A shard's result file: its label (from the -oJ summary's "shard" record, or -oX's
// command line: --shard, --seed, --scan-id, and <scaninfo type>) and its hosts. Errors name
// the file: not a shard, or not finished (no summary / no <runstats>).
struct ShardFile {
    std::string path;
    ShardLabel label;
    std::vector<HostResult> hosts;
};
Result<ShardFile> read_shard_file(const std::string& path);

// Checks that `files` are the shards of one scan (same name, count, seed and technique), each
// index at most once. Error (one line, naming the files): different scans, or overlap. The
// indices 0..count-1 that are not there go to `missing`.
Result<void> check_shard_set(const std::vector<ShardFile>& files, std::vector<std::uint32_t>& missing);

}  // namespace portwarden

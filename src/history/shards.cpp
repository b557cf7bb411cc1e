// Named scans recorded by shards (schema 3, table scan_shards; schema 6 several rows per index):
// a retried shard replaces its earlier rows, a resumed one adds its own; a named scan is complete
// when every shard index 0..N-1 has a finished run.
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "history/queries.hpp"
#include "history/rows.hpp"

namespace portwarden::history {
namespace {

// One row of scan_shards joined with its scan.
struct ShardRow {
    std::string name;
    std::int64_t scan_id = 0;
    std::uint32_t index = 0;
    std::uint32_t count = 0;
    bool finished = false;
    HistoryTime start;
    HistoryTime end;
    std::string technique;
};

constexpr std::string_view kShardColumns =
    "SELECT h.name, h.scan_id, h.shard_index, h.shard_count, h.finished, s.started_us, s.ended_us, "
    "s.technique FROM scan_shards h JOIN scans s ON s.id = h.scan_id ";

ShardRow read_shard(RowReader& in) {
    ShardRow r;
    r.name = in.text();
    r.scan_id = in.integer();
    r.index = static_cast<std::uint32_t>(in.integer());
    r.count = static_cast<std::uint32_t>(in.integer());
    r.finished = in.integer() != 0;
    r.start = from_us(in.integer());
    r.end = from_us(in.integer());
    r.technique = in.text();
    return r;
}

// The named scans the rows (sorted by name, index) make up, oldest first.
std::vector<NamedScan> group(const std::vector<ShardRow>& rows) {
    std::map<std::string, NamedScan> by_name;
    std::map<std::string, std::vector<bool>> done;
    for (const ShardRow& r : rows) {
        NamedScan& n = by_name[r.name];
        std::vector<bool>& finished = done[r.name];
        if (n.scan_ids.empty()) {
            n.name = r.name;
            n.shard_count = r.count;
            n.start_time = r.start;
            n.end_time = r.end;
            n.technique = r.technique;
            finished.assign(r.count, false);
        }
        n.scan_ids.push_back(r.scan_id);
        n.shard_indices.push_back(r.index);
        n.start_time = std::min(n.start_time, r.start);
        n.end_time = std::max(n.end_time, r.end);
        if (r.index < finished.size() && r.finished) {
            finished[r.index] = true;
        }
    }
    std::vector<NamedScan> out;
    for (auto& [name, n] : by_name) {
        const std::vector<bool>& finished = done[name];
        for (std::uint32_t i = 0; i < finished.size(); ++i) {
            if (!finished[i]) {
                n.missing.push_back(i);
            }
        }
        out.push_back(std::move(n));
    }
    std::ranges::stable_sort(out, {}, &NamedScan::start_time);
    return out;
}

}  // namespace

Result<void> replace_shard(SqlConnection& db, const ShardTag& tag) {
    const SqlValue name[] = {tag.scan_name};
    auto counts = db.query("SELECT DISTINCT shard_count FROM scan_shards WHERE name = $1", name);
    if (!counts) {
        return tl::unexpected(counts.error());
    }
    for (const SqlRow& row : *counts) {
        auto count = column_int(row, 0);
        if (!count) {
            return tl::unexpected(count.error());
        }
        if (*count != std::int64_t{tag.count}) {
            return fail(fmt::format("history: scan '{}' was recorded as {} shards, this shard says {}/{}",
                                    tag.scan_name, *count, tag.index, tag.count));
        }
    }
    if (tag.resumed) {
        return {};  // the interrupted run's rows hold the ports this run skips
    }
    const SqlValue key[] = {tag.scan_name, std::int64_t{tag.index}};
    auto ok = db.query("DELETE FROM scans WHERE id IN "
                       "(SELECT scan_id FROM scan_shards WHERE name = $1 AND shard_index = $2)",
                       key);
    if (!ok) {
        return tl::unexpected(ok.error());
    }
    return {};
}

Result<void> insert_shard(SqlConnection& db, std::int64_t scan_id, const ShardTag& tag) {
    const SqlValue row[] = {scan_id, tag.scan_name, std::int64_t{tag.index}, std::int64_t{tag.count}};
    auto ok = db.query("INSERT INTO scan_shards (scan_id, name, shard_index, shard_count, finished) "
                       "VALUES ($1, $2, $3, $4, 0)",
                       row);
    if (!ok) {
        return tl::unexpected(ok.error());
    }
    return {};
}

Result<void> finish_shard(SqlConnection& db, std::int64_t scan_id, bool finished) {
    const SqlValue row[] = {std::int64_t{finished ? 1 : 0}, scan_id};
    auto ok = db.query("UPDATE scan_shards SET finished = $1 WHERE scan_id = $2", row);
    if (!ok) {
        return tl::unexpected(ok.error());
    }
    return {};
}

Result<std::vector<NamedScan>> list_named_scans(SqlConnection& db) {
    auto rows = read_rows<ShardRow>(
        db.query(std::string(kShardColumns) + "ORDER BY h.name, h.shard_index, h.scan_id"), read_shard);
    if (!rows) {
        return tl::unexpected(rows.error());
    }
    return group(*rows);
}

Result<NamedScan> named_scan(SqlConnection& db, std::string_view name) {
    const SqlValue key[] = {std::string(name)};
    auto rows = read_rows<ShardRow>(
        db.query(std::string(kShardColumns) + "WHERE h.name = $1 ORDER BY h.shard_index, h.scan_id", key), read_shard);
    if (!rows) {
        return tl::unexpected(rows.error());
    }
    auto named = group(*rows);
    if (named.empty()) {
        return fail(fmt::format("history: no scan named '{}'", name));
    }
    return std::move(named.front());
}

}  // namespace portwarden::history

#include "cli/history_record.hpp"

#include <fmt/format.h>

namespace portwarden::cli {

ScanRecorder ScanRecorder::open(const std::string& db, bool disabled) {
    ScanRecorder r;
    if (disabled) {
        return r;
    }
    std::string url = db;
    if (url.empty()) {
        auto path = default_history_path();
        if (!path) {
            fmt::print(stderr, "portwarden: warning: scan history not kept: {}\n", path.error().message);
            return r;
        }
        url = path->string();
    }
    auto store = open_history(url);
    if (!store) {
        fmt::print(stderr, "portwarden: warning: scan history not kept: {}\n", store.error().message);
        return r;
    }
    r.store_ = std::move(*store);
    r.url_ = url;
    r.where_ = url.rfind("postgres", 0) == 0 ? std::string("the PostgreSQL history") : url;
    return r;
}

std::function<std::vector<PreviousPort>(const Address&)> ScanRecorder::previous_states(Proto proto,
                                                                                      std::string technique) {
    if (!store_) {
        return {};
    }
    HistoryStore* store = store_.get();
    return [store, proto, technique = std::move(technique)](const Address& host) {
        std::vector<PreviousPort> out;
        auto seen = store->last_seen(host, technique);
        if (!seen) {
            return out;  // an unreadable history confirms nothing: the scan's results stand
        }
        for (const LastSeen& s : *seen) {
            if (s.proto == proto) {
                out.push_back(PreviousPort{s.port, s.state});
            }
        }
        return out;
    };
}

void ScanRecorder::add(const HostResult& host) {
    if (store_) {
        hosts_.push_back(host);
    }
}

std::optional<std::int64_t> ScanRecorder::finish(const ScanSummary& summary, const std::string& command_line,
                                                 const std::string& technique, bool verbose) {
    if (!store_) {
        return std::nullopt;
    }
    ScanInfo info;
    info.start_time = summary.start_time;
    info.end_time = summary.end_time;
    info.command_line = command_line;
    info.engine = summary.engine;
    info.technique = technique;
    const auto id = store_->record_scan(info, hosts_);
    if (!id) {
        fmt::print(stderr, "portwarden: warning: scan not stored in the history: {}\n", id.error().message);
        return std::nullopt;
    }
    if (verbose) {
        fmt::print(stderr, "portwarden: stored as scan @{} in {}\n", *id, where_);
    }
    return *id;
}

}  // namespace portwarden::cli

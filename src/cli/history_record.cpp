#include "cli/history_record.hpp"

#include <chrono>
#include <utility>

#include <fmt/format.h>

namespace portwarden::cli {
namespace {

// A batch is written when it holds this many hosts or ports (one transaction each).
constexpr std::size_t kBatchHosts = 256;
constexpr std::size_t kBatchPorts = 65536;

}  // namespace

std::optional<std::string> history_url(const std::string& db, std::string_view warning) {
    if (!db.empty()) {
        return db;
    }
    auto path = default_history_path();
    if (!path) {
        fmt::print(stderr, "portwarden: warning: {}: {}\n", warning, path.error().message);
        return std::nullopt;
    }
    return path->string();
}

ScanRecorder ScanRecorder::open(const std::string& db, bool disabled, const std::string& command_line,
                                const std::string& technique) {
    ScanRecorder r;
    if (disabled) {
        return r;
    }
    const std::optional<std::string> found = history_url(db, "scan history not kept");
    if (!found) {
        return r;
    }
    const std::string& url = *found;
    auto store = open_history(url);
    if (!store) {
        fmt::print(stderr, "portwarden: warning: scan history not kept: {}\n", store.error().message);
        return r;
    }
    r.store_ = std::move(*store);
    r.url_ = url;
    r.where_ = url.rfind("postgres", 0) == 0 ? std::string("the PostgreSQL history") : url;
    r.info_.start_time = std::chrono::system_clock::now();
    r.info_.end_time = r.info_.start_time;
    r.info_.command_line = command_line;
    r.info_.technique = technique;
    return r;
}

std::vector<std::string> alike_techniques(std::string_view technique, Proto proto) {
    const std::size_t slash = technique.find('/');
    const std::string_view base = technique.substr(0, slash);
    const std::string suffix(slash == std::string_view::npos ? std::string_view{} : technique.substr(slash));
    constexpr std::string_view with_udp = "+udp";
    if (proto == Proto::tcp) {
        const std::string tcp(base.ends_with(with_udp) ? base.substr(0, base.size() - with_udp.size()) : base);
        return {tcp + suffix, tcp + std::string(with_udp) + suffix};
    }
    std::vector<std::string> out{std::string(to_string(Technique::udp))};
    for (int i = 0; i < technique_count; ++i) {
        const auto t = static_cast<Technique>(i);
        if (t != Technique::udp && !is_ping_technique(t)) {
            out.push_back(std::string(to_string(t)) + std::string(with_udp));
        }
    }
    if (!suffix.empty()) {
        out.emplace_back(technique);
    }
    return out;
}

std::function<std::vector<PreviousPort>(const Address&)> ScanRecorder::previous_states(PortProtocols scanned) {
    if (!store_) {
        return {};
    }
    std::vector<std::pair<Proto, std::vector<std::string>>> wanted;
    for (const Proto proto : {Proto::tcp, Proto::udp}) {
        if (proto == Proto::tcp ? scanned.tcp : scanned.udp) {
            wanted.emplace_back(proto, alike_techniques(info_.technique, proto));
        }
    }
    HistoryStore* store = store_.get();
    return [store, wanted = std::move(wanted)](const Address& host) {
        std::vector<PreviousPort> out;  // by (proto, port): TCP's, then UDP's
        for (const auto& [proto, techniques] : wanted) {
            auto seen = store->last_seen(host, techniques);
            if (!seen) {
                return std::vector<PreviousPort>{};  // an unreadable history confirms nothing: the scan's results stand
            }
            for (const LastSeen& s : *seen) {
                if (s.proto == proto) {
                    out.push_back(PreviousPort{s.port, s.state, s.proto});
                }
            }
        }
        return out;
    };
}

void ScanRecorder::give_up(const std::string& why) {
    fmt::print(stderr, "portwarden: warning: scan not (fully) stored in the history: {}\n", why);
    store_.reset();
    batch_.clear();
}

bool ScanRecorder::flush() {
    if (!id_) {
        auto id = store_->begin_scan(info_);
        if (!id) {
            give_up(id.error().message);
            return false;
        }
        id_ = *id;
    }
    if (!batch_.empty()) {
        if (auto ok = store_->add_hosts(*id_, info_, batch_); !ok) {
            give_up(ok.error().message);
            return false;
        }
    }
    batch_.clear();
    batch_ports_ = 0;
    return true;
}

void ScanRecorder::add(const HostResult& host) {
    if (!store_) {
        return;
    }
    batch_.push_back(host);
    batch_ports_ += host.ports.size();
    if (batch_.size() >= kBatchHosts || batch_ports_ >= kBatchPorts) {
        (void)flush();
    }
}

std::optional<std::int64_t> ScanRecorder::finish(const ScanSummary& summary, bool verbose) {
    if (!store_ || !flush()) {
        return std::nullopt;
    }
    info_.start_time = summary.start_time;
    info_.end_time = summary.end_time;
    info_.engine = summary.engine;
    info_.finished = !summary.interrupted && summary.error.empty();
    if (services_ && services_->size() > 0) {
        std::vector<ServiceRecord> records;
        for (const auto& e : services_->entries()) {
            records.push_back({e.address, e.proto, e.port, e.info->name, e.info->product, e.info->version,
                               e.info->extrainfo, e.info->tunnel});
        }
        if (auto ok = store_->add_services(*id_, records); !ok) {
            give_up(ok.error().message);
            return std::nullopt;
        }
    }
    if (auto ok = store_->end_scan(*id_, info_); !ok) {
        give_up(ok.error().message);
        return std::nullopt;
    }
    if (verbose) {
        fmt::print(stderr, "portwarden: stored as scan @{} in {}\n", *id_, where_);
    }
    return id_;
}

}  // namespace portwarden::cli

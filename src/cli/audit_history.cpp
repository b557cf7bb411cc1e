#include "cli/audit_history.hpp"

#include <chrono>
#include <cstdio>

#include <fmt/format.h>

namespace portwarden::cli {

AuditRecord audit_record(const audit::Policy& policy, const audit::Evaluation& evaluation,
                         std::optional<std::int64_t> scan_id) {
    AuditRecord r;
    r.scan_id = scan_id;
    r.time = std::chrono::system_clock::now();
    r.policy = policy.path;
    r.verdict = std::string(audit::to_string(evaluation.verdict));
    for (const auto& f : evaluation.findings) {
        r.findings.push_back({std::string(audit::rule_id(f.kind)), f.group, f.host, f.proto, f.port, f.state,
                              f.message, f.rule, f.pos.line});
    }
    return r;
}

void store_audit(const std::string& url, const AuditRecord& record) {
    auto store = open_history(url);
    if (!store) {
        fmt::print(stderr, "portwarden: warning: audit not stored in the history: {}\n", store.error().message);
        return;
    }
    store_audit(**store, record);
}

void store_audit(HistoryStore& store, const AuditRecord& record) {
    if (auto id = store.record_audit(record); !id) {
        fmt::print(stderr, "portwarden: warning: audit not stored in the history: {}\n", id.error().message);
    }
}

}  // namespace portwarden::cli

// Stored audits: the verdict of each audit and its findings.
#include <fmt/format.h>

#include "history/queries.hpp"
#include "history/rows.hpp"

namespace portwarden::history {

Result<std::int64_t> record_audit(SqlConnection& db, const AuditRecord& audit) {
    const SqlValue head[] = {optional_int(audit.scan_id), audit.scan_name ? text(*audit.scan_name) : SqlValue(),
                             to_us(audit.time), audit.policy, audit.verdict};
    auto id = insert_returning_id(db,
                                  "INSERT INTO audits (scan_id, scan_name, time_us, policy, verdict) "
                                  "VALUES ($1, $2, $3, $4, $5) RETURNING id",
                                  head, "audit");
    if (!id) {
        return id;
    }
    std::int64_t seq = 0;
    for (const auto& f : audit.findings) {
        const SqlValue row[] = {*id,
                                seq++,
                                f.rule_id,
                                f.group,
                                f.host,
                                f.proto ? text(to_string(*f.proto)) : SqlValue(),
                                f.proto ? SqlValue(std::int64_t{f.port}) : SqlValue(),
                                f.state ? text(to_string(*f.state)) : SqlValue(),
                                f.message,
                                f.rule,
                                std::int64_t{f.policy_line}};
        if (auto ok = db.query("INSERT INTO audit_findings (audit_id, seq, rule_id, policy_group, host, proto, "
                               "port, state, message, policy_rule, policy_line) "
                               "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                               row);
            !ok) {
            return tl::unexpected(ok.error());
        }
    }
    return id;
}

Result<std::vector<AuditRecord>> list_audits(SqlConnection& db) {
    return read_rows<AuditRecord>(
        db.query("SELECT id, scan_id, scan_name, time_us, policy, verdict, "
                 "(SELECT COUNT(*) FROM audit_findings f WHERE f.audit_id = a.id) "
                 "FROM audits a ORDER BY time_us, id"),
        [](RowReader& in) {
            AuditRecord a;
            a.id = in.integer();
            a.scan_id = in.optional_int<std::int64_t>();
            if (in.null()) {
                in.skip();
            } else {
                a.scan_name = in.text();
            }
            a.time = from_us(in.integer());
            a.policy = in.text();
            a.verdict = in.text();
            a.finding_count = in.integer();
            return a;
        });
}

Result<std::vector<AuditFindingRecord>> audit_findings(SqlConnection& db, std::int64_t audit_id) {
    const SqlValue id[] = {audit_id};
    auto exists = db.query("SELECT id FROM audits WHERE id = $1", id);
    if (!exists) {
        return tl::unexpected(exists.error());
    }
    if (exists->empty()) {
        return fail(fmt::format("history: no audit {}", audit_id));
    }
    return read_rows<AuditFindingRecord>(
        db.query("SELECT rule_id, policy_group, host, proto, port, state, message, policy_rule, policy_line "
                 "FROM audit_findings WHERE audit_id = $1 ORDER BY seq",
                 id),
        [](RowReader& in) {
            AuditFindingRecord f;
            f.rule_id = in.text();
            f.group = in.text();
            f.host = in.text();
            if (in.null()) {
                in.skip();
                in.skip();
            } else {
                f.proto = in.proto();
                f.port = in.port();
            }
            if (in.null()) {
                in.skip();
            } else {
                f.state = in.state();
            }
            f.message = in.text();
            f.rule = in.text();
            f.policy_line = static_cast<std::uint32_t>(in.integer());
            return f;
        });
}

}  // namespace portwarden::history

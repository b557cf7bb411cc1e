// HistoryStore over either backend: the queries are written once, with $N parameters. Ports
// are stored compactly (port_sets.hpp); queries.hpp expands them back.
#include <algorithm>
#include <array>
#include <optional>

#include <fmt/format.h>

#include "history/port_sets.hpp"
#include "history/queries.hpp"
#include "history/rows.hpp"
#include "portwarden/history.hpp"

namespace portwarden {
namespace {

using history::from_us;
using history::optional_int;
using history::read_rows;
using history::RowReader;
using history::SqlConnection;
using history::SqlValue;
using history::text;
using history::to_us;
using history::Transaction;

std::optional<HostState> parse_host_state(std::string_view text) {
    for (auto s : {HostState::up, HostState::down, HostState::unknown}) {
        if (to_string(s) == text) {
            return s;
        }
    }
    return std::nullopt;
}

HostResult read_host(RowReader& in) {
    HostResult h;
    h.address = in.address();
    h.hostname = in.text();
    h.ptr_name = in.text();
    h.state = in.parsed(parse_host_state, "host state");
    h.reason = in.reason();
    h.reason_ttl = in.optional_int<std::uint8_t>();
    h.start_time = from_us(in.integer());
    h.end_time = from_us(in.integer());
    h.complete = in.integer() != 0;
    if (h.reason_ttl) {
        h.hops = hops_from_ttl(*h.reason_ttl);
    }
    return h;
}

// Runs `body` in one write transaction: committed when it succeeds, rolled back otherwise.
template <class Body>
auto in_transaction(SqlConnection& db, Body body) -> decltype(body()) {
    auto tx = Transaction::begin(db);
    if (!tx) {
        return tl::unexpected(tx.error());
    }
    auto result = body();
    if (result) {
        if (auto ok = tx->commit(); !ok) {
            return tl::unexpected(ok.error());
        }
    }
    return result;
}

class SqlHistoryStore final : public HistoryStore {
public:
    SqlHistoryStore(std::unique_ptr<SqlConnection> db, int version) : db_(std::move(db)), version_(version) {}

    int schema_version() const override { return version_; }

    Result<std::int64_t> record_scan(const ScanInfo& info, std::span<const HostResult> hosts) override {
        return in_transaction(*db_, [&]() -> Result<std::int64_t> {
            auto id = insert_scan(info);
            for (const auto& host : hosts) {
                if (!id) {
                    break;
                }
                if (auto ok = record_host(*id, info, host); !ok) {
                    return tl::unexpected(ok.error());
                }
            }
            return id;
        });
    }

    Result<std::int64_t> begin_scan(const ScanInfo& info) override {
        ScanInfo started = info;
        started.end_time = info.start_time;
        if (!info.shard) {
            return record_scan(started, {});
        }
        return in_transaction(*db_, [&]() -> Result<std::int64_t> {
            if (auto ok = history::replace_shard(*db_, *info.shard); !ok) {
                return tl::unexpected(ok.error());
            }
            auto id = insert_scan(started);
            if (id) {
                if (auto ok = history::insert_shard(*db_, *id, *info.shard); !ok) {
                    return tl::unexpected(ok.error());
                }
            }
            return id;
        });
    }

    Result<void> add_hosts(std::int64_t scan_id, const ScanInfo& info,
                           std::span<const HostResult> hosts) override {
        auto tx = history::Transaction::begin(*db_);
        if (!tx) {
            return tl::unexpected(tx.error());
        }
        for (const auto& host : hosts) {
            if (auto ok = record_host(scan_id, info, host); !ok) {
                return tl::unexpected(ok.error());
            }
        }
        return tx->commit();
    }

    Result<void> end_scan(std::int64_t scan_id, const ScanInfo& info) override {
        const SqlValue params[] = {to_us(info.start_time), to_us(info.end_time), info.engine, scan_id};
        auto ok = db_->query("UPDATE scans SET started_us = $1, ended_us = $2, engine = $3 WHERE id = $4",
                             params);
        if (!ok) {
            return tl::unexpected(ok.error());
        }
        if (info.shard) {
            return history::finish_shard(*db_, scan_id, info.finished);
        }
        return {};
    }

    Result<std::vector<NamedScan>> list_named_scans() override { return history::list_named_scans(*db_); }

    Result<NamedScan> named_scan(std::string_view name) override { return history::named_scan(*db_, name); }

    Result<std::vector<ScanRecord>> list_scans() override {
        auto rows = db_->query("SELECT id, started_us, ended_us, command_line, engine, technique, "
                               "(SELECT COUNT(*) FROM host_results h WHERE h.scan_id = s.id), "
                               "(SELECT COUNT(*) FROM port_results p WHERE p.scan_id = s.id AND p.state = $1) "
                               "FROM scans s ORDER BY started_us, id",
                               std::array{text(to_string(PortState::open))});
        return read_rows<ScanRecord>(rows, [](RowReader& in) {
            ScanRecord r;
            r.id = in.integer();
            r.info.start_time = from_us(in.integer());
            r.info.end_time = from_us(in.integer());
            r.info.command_line = in.text();
            r.info.engine = in.text();
            r.info.technique = in.text();
            r.hosts = in.integer();
            r.open_ports = in.integer();
            return r;
        });
    }

    Result<std::vector<HostResult>> load_scan(std::int64_t scan_id) override {
        const SqlValue id[] = {scan_id};
        auto exists = db_->query("SELECT id FROM scans WHERE id = $1", id);
        if (!exists) {
            return tl::unexpected(exists.error());
        }
        if (exists->empty()) {
            return fail(fmt::format("history: no scan {}", scan_id));
        }
        auto hosts = read_rows<HostResult>(db_->query("SELECT host, hostname, ptr_name, state, reason, reason_ttl, "
                                                      "started_us, ended_us, complete FROM host_results "
                                                      "WHERE scan_id = $1",
                                                      id),
                                           read_host);
        if (!hosts) {
            return hosts;
        }
        std::ranges::sort(*hosts, {}, &HostResult::address);
        if (auto ok = history::load_ports(*db_, scan_id, *hosts); !ok) {
            return tl::unexpected(ok.error());
        }
        return hosts;
    }

    Result<std::vector<PortObservation>> timeline(const Address& host, Proto proto, std::uint16_t port) override {
        return history::timeline(*db_, host, proto, port);
    }

    using HistoryStore::last_seen;
    Result<std::vector<LastSeen>> last_seen(const Address& host, std::span<const std::string> techniques) override {
        return history::last_seen(*db_, host, techniques);
    }

    Result<std::vector<PortChange>> newly_open(HistoryTime since) override {
        return history::newly_open(*db_, since);
    }

    Result<std::vector<PortChange>> flapping(HistoryTime from, HistoryTime to, std::int64_t more_than) override {
        return history::flapping(*db_, from, to, more_than);
    }

    Result<void> add_services(std::int64_t scan_id, std::span<const ServiceRecord> services) override {
        return in_transaction(*db_, [&] { return history::add_services(*db_, scan_id, services); });
    }

    Result<std::vector<ServiceObservation>> service_timeline(const Address& host, Proto proto,
                                                             std::uint16_t port) override {
        return history::service_timeline(*db_, host, proto, port);
    }

    Result<std::vector<ServiceChange>> service_changes(HistoryTime since) override {
        return history::service_changes(*db_, since);
    }

    Result<std::int64_t> record_audit(const AuditRecord& audit) override {
        return in_transaction(*db_, [&] { return history::record_audit(*db_, audit); });
    }

    Result<std::vector<AuditRecord>> list_audits() override { return history::list_audits(*db_); }

    Result<std::vector<AuditFindingRecord>> audit_findings(std::int64_t audit_id) override {
        return history::audit_findings(*db_, audit_id);
    }

private:
    Result<std::int64_t> insert_scan(const ScanInfo& info) {
        const SqlValue scan[] = {to_us(info.start_time), to_us(info.end_time), info.command_line, info.engine,
                                 info.technique};
        return history::insert_returning_id(*db_,
                                            "INSERT INTO scans (started_us, ended_us, command_line, engine, "
                                            "technique) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                                            scan, "scan");
    }

    Result<void> record_host(std::int64_t scan_id, const ScanInfo& info, const HostResult& host) {
        const std::string address = host.address.to_string();
        const SqlValue row[] = {scan_id,
                                address,
                                host.hostname,
                                host.ptr_name,
                                text(to_string(host.state)),
                                text(to_string(host.reason)),
                                optional_int(host.reason_ttl),
                                to_us(host.start_time),
                                to_us(host.end_time),
                                std::int64_t{host.complete ? 1 : 0}};
        if (auto ok = db_->query("INSERT INTO host_results (scan_id, host, hostname, ptr_name, state, reason, "
                                 "reason_ttl, started_us, ended_us, complete) "
                                 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                                 row);
            !ok) {
            return tl::unexpected(ok.error());
        }
        const auto time = to_us(host.end_time != HistoryTime{} ? host.end_time : info.end_time);
        return history::write_ports(*db_, scan_id, time, address, host.ports);
    }

    std::unique_ptr<SqlConnection> db_;
    int version_;
};

}  // namespace

std::unique_ptr<HistoryStore> history::make_store(std::unique_ptr<SqlConnection> db, int version) {
    return std::make_unique<SqlHistoryStore>(std::move(db), version);
}

}  // namespace portwarden

// HistoryStore over either backend: the queries are written once, with $N parameters.
#include <algorithm>
#include <array>
#include <chrono>
#include <optional>
#include <tuple>

#include <fmt/format.h>

#include "history/sql.hpp"
#include "portwarden/history.hpp"

namespace portwarden {
namespace {

using history::column_int;
using history::SqlConnection;
using history::SqlRow;
using history::SqlValue;

std::int64_t to_us(HistoryTime t) {
    return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}
HistoryTime from_us(std::int64_t us) {
    return HistoryTime(std::chrono::duration_cast<HistoryTime::duration>(
        std::chrono::microseconds(us)));
}

template <class T>
SqlValue optional_int(const std::optional<T>& v) {
    return v ? SqlValue(static_cast<std::int64_t>(*v)) : SqlValue();
}

std::optional<HostState> parse_host_state(std::string_view text) {
    for (auto s : {HostState::up, HostState::down, HostState::unknown}) {
        if (to_string(s) == text) {
            return s;
        }
    }
    return std::nullopt;
}

// Reads a row's columns in order, collecting the first error (a corrupt or foreign database).
class RowReader {
public:
    explicit RowReader(const SqlRow& row) : row_(row) {}
    const std::string& text() {
        static const std::string empty;
        const auto& cell = row_[next_++];
        return cell ? *cell : empty;
    }
    std::int64_t integer() {
        auto v = column_int(row_, next_++);
        if (!v) {
            note(v.error().message);
            return 0;
        }
        return *v;
    }
    template <class T>
    std::optional<T> optional_int() {
        if (!row_[next_]) {
            ++next_;
            return std::nullopt;
        }
        return static_cast<T>(integer());
    }
    template <class T>
    T parsed(std::optional<T> (*parse)(std::string_view), std::string_view what) {
        const std::string& t = text();
        if (auto v = parse(t)) {
            return *v;
        }
        note(fmt::format("history: unknown {} '{}'", what, t));
        return T{};
    }
    Proto proto() { return parsed(parse_proto, "protocol"); }
    PortState state() { return parsed(parse_port_state, "state"); }
    Reason reason() { return parsed(parse_reason, "reason"); }
    Address address() {
        const std::string& t = text();
        if (auto a = Address::parse(t)) {
            return *a;
        }
        note(fmt::format("history: bad address '{}'", t));
        return {};
    }
    std::optional<Address> optional_address() {
        if (!row_[next_]) {
            ++next_;
            return std::nullopt;
        }
        return address();
    }
    const std::optional<std::string>& error() const { return error_; }

private:
    void note(std::string message) {
        if (!error_) {
            error_ = std::move(message);
        }
    }
    const SqlRow& row_;
    std::size_t next_ = 0;
    std::optional<std::string> error_;
};

// One port of one host: the key the history is indexed by.
struct PortKey {
    Address host;
    Proto proto;
    std::uint16_t port;
    friend auto operator<=>(const PortKey&, const PortKey&) = default;
};

PortKey read_key(RowReader& in) {
    PortKey key{in.address(), in.proto(), 0};
    key.port = static_cast<std::uint16_t>(in.integer());
    return key;
}

class SqlHistoryStore final : public HistoryStore {
public:
    SqlHistoryStore(std::unique_ptr<SqlConnection> db, int version)
        : db_(std::move(db)), version_(version) {}

    int schema_version() const override { return version_; }

    Result<std::int64_t> record_scan(const ScanInfo& info,
                                     std::span<const HostResult> hosts) override {
        auto tx = history::Transaction::begin(*db_);
        if (!tx) {
            return tl::unexpected(tx.error());
        }
        const SqlValue scan[] = {to_us(info.start_time), to_us(info.end_time), info.command_line,
                                 info.engine};
        auto rows = db_->query("INSERT INTO scans (started_us, ended_us, command_line, engine) "
                               "VALUES ($1, $2, $3, $4) RETURNING id",
                               scan);
        if (!rows) {
            return tl::unexpected(rows.error());
        }
        if (rows->empty()) {
            return fail("history: no id for the new scan");
        }
        auto id = column_int(rows->front(), 0);
        if (!id) {
            return id;
        }
        for (const auto& host : hosts) {
            if (auto ok = record_host(*id, info, host); !ok) {
                return tl::unexpected(ok.error());
            }
        }
        if (auto ok = tx->commit(); !ok) {
            return tl::unexpected(ok.error());
        }
        return id;
    }

    Result<std::int64_t> begin_scan(const ScanInfo& info) override {
        ScanInfo started = info;
        started.end_time = info.start_time;
        return record_scan(started, {});
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
        return {};
    }

    Result<std::vector<ScanRecord>> list_scans() override {
        auto rows = db_->query(
            "SELECT id, started_us, ended_us, command_line, engine, "
            "(SELECT COUNT(*) FROM host_results h WHERE h.scan_id = s.id), "
            "(SELECT COUNT(*) FROM port_results p WHERE p.scan_id = s.id AND p.state = $1) "
            "FROM scans s ORDER BY started_us, id",
            std::array{SqlValue(std::string(to_string(PortState::open)))});
        return read_rows<ScanRecord>(rows, [](RowReader& in) {
            ScanRecord r;
            r.id = in.integer();
            r.info.start_time = from_us(in.integer());
            r.info.end_time = from_us(in.integer());
            r.info.command_line = in.text();
            r.info.engine = in.text();
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
        auto hosts = read_rows<HostResult>(
            db_->query("SELECT host, hostname, ptr_name, state, reason, reason_ttl, started_us, "
                       "ended_us, complete FROM host_results WHERE scan_id = $1",
                       id),
            read_host);
        if (!hosts) {
            return hosts;
        }
        std::ranges::sort(*hosts, {}, &HostResult::address);
        using Row = std::pair<Address, PortResult>;
        auto ports = read_rows<Row>(
            db_->query("SELECT host, proto, port, state, reason, ttl, responder, rtt_us "
                       "FROM port_results WHERE scan_id = $1",
                       id),
            [](RowReader& in) {
                Row r;
                r.first = in.address();
                r.second.proto = in.proto();
                r.second.port = static_cast<std::uint16_t>(in.integer());
                r.second.state = in.state();
                r.second.reason = in.reason();
                r.second.reason_ttl = in.optional_int<std::uint8_t>();
                r.second.reason_ip = in.optional_address();
                r.second.rtt_us = in.optional_int<std::uint32_t>();
                return r;
            });
        if (!ports) {
            return tl::unexpected(ports.error());
        }
        std::ranges::sort(*ports, {}, [](const Row& r) {
            return std::tuple(r.first, r.second.proto, r.second.port);
        });
        auto port = ports->begin();
        for (auto& host : *hosts) {
            for (; port != ports->end() && port->first == host.address; ++port) {
                host.ports.push_back(port->second);
            }
        }
        return hosts;
    }

    Result<std::vector<PortObservation>> timeline(const Address& host, Proto proto,
                                                  std::uint16_t port) override {
        const SqlValue key[] = {host.to_string(), std::string(to_string(proto)),
                                std::int64_t{port}};
        return read_rows<PortObservation>(
            db_->query("SELECT scan_id, time_us, state, reason FROM port_results "
                       "WHERE host = $1 AND proto = $2 AND port = $3 ORDER BY time_us, scan_id",
                       key),
            [](RowReader& in) {
                PortObservation o;
                o.scan_id = in.integer();
                o.time = from_us(in.integer());
                o.state = in.state();
                o.reason = in.reason();
                return o;
            });
    }

    // Interim (no technique column yet): the newest observation of each port of the host.
    Result<std::vector<LastSeen>> last_seen(const Address& host, std::string_view) override {
        const SqlValue params[] = {host.to_string()};
        auto rows = db_->query(
            "SELECT proto, port, state, reason, scan_id FROM port_results p WHERE host = $1 AND "
            "scan_id = (SELECT MAX(q.scan_id) FROM port_results q WHERE q.host = p.host AND "
            "q.proto = p.proto AND q.port = p.port) ORDER BY proto, port",
            params);
        return read_rows<LastSeen>(rows, [](RowReader& in) {
            LastSeen s;
            s.proto = in.proto();
            s.port = static_cast<std::uint16_t>(in.integer());
            s.state = in.state();
            s.reason = in.reason();
            s.scan_id = in.integer();
            return s;
        });
    }

    Result<std::vector<PortChange>> newly_open(HistoryTime since) override {
        const SqlValue params[] = {to_us(since), std::string(to_string(PortState::open))};
        auto changes = read_rows<PortChange>(
            db_->query("SELECT host, proto, port, scan_id, time_us FROM ("
                       "  SELECT host, proto, port, scan_id, time_us, state, LAG(state) OVER ("
                       "    PARTITION BY host, proto, port ORDER BY time_us, scan_id) AS previous"
                       "  FROM port_results) t "
                       "WHERE time_us >= $1 AND state = $2 "
                       "AND (previous IS NULL OR previous <> $2) ORDER BY time_us, scan_id",
                       params),
            [](RowReader& in) {
                const PortKey key = read_key(in);
                PortChange c{key.host, key.proto, key.port, in.integer(), {}, 0};
                c.time = from_us(in.integer());
                return c;
            });
        if (!changes) {
            return changes;
        }
        // Keep the first opening of each port, then order by port.
        std::ranges::stable_sort(*changes, {}, key_of);
        auto [first, last] = std::ranges::unique(*changes, {}, key_of);
        changes->erase(first, last);
        return changes;
    }

    Result<std::vector<PortChange>> flapping(HistoryTime from, HistoryTime to,
                                             std::int64_t more_than) override {
        const SqlValue params[] = {to_us(from), to_us(to), more_than};
        auto ports = read_rows<PortChange>(
            db_->query("SELECT host, proto, port, COUNT(*) FROM ("
                       "  SELECT host, proto, port, state, LAG(state) OVER ("
                       "    PARTITION BY host, proto, port ORDER BY time_us, scan_id) AS previous"
                       "  FROM port_results WHERE time_us >= $1 AND time_us <= $2) t "
                       "WHERE previous <> state GROUP BY host, proto, port HAVING COUNT(*) > $3",
                       params),
            [](RowReader& in) {
                const PortKey key = read_key(in);
                return PortChange{key.host, key.proto, key.port, 0, {}, in.integer()};
            });
        if (ports) {
            std::ranges::sort(*ports, [](const PortChange& a, const PortChange& b) {
                return std::tuple(b.changes, key_of(a)) < std::tuple(a.changes, key_of(b));
            });
        }
        return ports;
    }

private:
    static PortKey key_of(const PortChange& c) { return {c.host, c.proto, c.port}; }

    static HostResult read_host(RowReader& in) {
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

    template <class T, class Read>
    static Result<std::vector<T>> read_rows(const Result<std::vector<SqlRow>>& rows, Read read) {
        if (!rows) {
            return tl::unexpected(rows.error());
        }
        std::vector<T> out;
        out.reserve(rows->size());
        for (const auto& row : *rows) {
            RowReader in(row);
            out.push_back(read(in));
            if (in.error()) {
                return fail(*in.error());
            }
        }
        return out;
    }

    Result<void> record_host(std::int64_t scan_id, const ScanInfo& info, const HostResult& host) {
        const std::string address = host.address.to_string();
        const SqlValue row[] = {scan_id, address, host.hostname, host.ptr_name,
                                std::string(to_string(host.state)),
                                std::string(to_string(host.reason)), optional_int(host.reason_ttl),
                                to_us(host.start_time), to_us(host.end_time),
                                std::int64_t{host.complete ? 1 : 0}};
        if (auto ok = db_->query("INSERT INTO host_results (scan_id, host, hostname, ptr_name, "
                                 "state, reason, reason_ttl, started_us, ended_us, complete) "
                                 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                                 row);
            !ok) {
            return tl::unexpected(ok.error());
        }
        const auto time = to_us(host.end_time != HistoryTime{} ? host.end_time : info.end_time);
        for (const auto& p : host.ports) {
            const SqlValue port[] = {
                scan_id, time, address, std::string(to_string(p.proto)), std::int64_t{p.port},
                std::string(to_string(p.state)), std::string(to_string(p.reason)),
                optional_int(p.reason_ttl),
                p.reason_ip ? SqlValue(p.reason_ip->to_string()) : SqlValue(),
                optional_int(p.rtt_us)};
            if (auto ok = db_->query("INSERT INTO port_results (scan_id, time_us, host, proto, "
                                     "port, state, reason, ttl, responder, rtt_us) "
                                     "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                                     port);
                !ok) {
                return tl::unexpected(ok.error());
            }
        }
        return {};
    }

    std::unique_ptr<SqlConnection> db_;
    int version_;
};

}  // namespace

std::unique_ptr<HistoryStore> history::make_store(std::unique_ptr<SqlConnection> db, int version) {
    return std::make_unique<SqlHistoryStore>(std::move(db), version);
}

}  // namespace portwarden

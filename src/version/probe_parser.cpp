#include "version/probe_parser.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "version/parse_util.hpp"

namespace portwarden::version {
namespace {

Result<int> parse_int(std::string_view text, int lo, int hi, std::string_view what) {
    while (!text.empty() && (text.back() == '\r' || text.back() == ' ')) {
        text.remove_suffix(1);
    }
    int v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size() || v < lo || v > hi) {
        return fail(fmt::format("bad {} '{}' (expected {}-{})", what, text, lo, hi));
    }
    return v;
}

// "Probe TCP GetRequest q|GET / HTTP/1.0\r\n\r\n|"
Result<Probe> parse_probe_line(std::string_view text) {
    Probe p;
    if (text.starts_with("TCP ")) {
        p.proto = Proto::tcp;
    } else if (text.starts_with("UDP ")) {
        p.proto = Proto::udp;
    } else {
        return fail("the protocol must be TCP or UDP");
    }
    text.remove_prefix(4);
    const auto space = text.find(' ');
    if (space == 0 || space == std::string_view::npos) {
        return fail("no probe name");
    }
    p.name = std::string(text.substr(0, space));
    text.remove_prefix(space + 1);
    const auto payload = text.starts_with("q") ? take_delimited(text.substr(1)) : std::nullopt;
    if (!payload) {
        return fail("the probe string must be q|...|");
    }
    auto bytes = unescape(payload->body);
    if (!bytes) {
        return tl::unexpected(bytes.error());
    }
    p.payload = std::move(*bytes);
    return p;
}

// "Exclude T:9100-9107,U:..." (no prefix: both protocols)
Result<void> parse_exclude(std::string_view text, ProbeDb& db) {
    int which = 0;  // 0 both, 1 tcp, 2 udp
    std::size_t start = 0;
    while (start < text.size()) {
        const auto comma = text.find(',', start);
        auto item = text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        if (item.starts_with("T:") || item.starts_with("U:")) {
            which = item.front() == 'T' ? 1 : 2;
            item.remove_prefix(2);
        }
        auto ranges = parse_port_ranges(item);
        if (!ranges) {
            return tl::unexpected(ranges.error());
        }
        for (const auto& r : *ranges) {
            if (which != 2) {
                db.excluded_tcp.push_back(r);
            }
            if (which != 1) {
                db.excluded_udp.push_back(r);
            }
        }
        start = comma == std::string_view::npos ? text.size() : comma + 1;
    }
    return {};
}

Result<void> add_match(Probe& probe, ProbeDb& db, std::string_view line, std::size_t number) {
    auto rule = parse_match_line(line, number);
    if (!rule) {
        return tl::unexpected(rule.error());
    }
    if (!rule->regex_error.empty()) {
        ++db.skipped_patterns;
        return {};
    }
    if (std::find(probe.services.begin(), probe.services.end(), rule->service) == probe.services.end()) {
        probe.services.push_back(rule->service);
    }
    probe.matches.push_back(std::move(*rule));
    return {};
}

// A directive inside a probe's section.
Result<void> parse_directive(std::string_view line, std::size_t number, Probe& probe, ProbeDb& db) {
    const auto space = line.find(' ');
    const auto word = line.substr(0, space);
    const auto arg = space == std::string_view::npos ? std::string_view{} : line.substr(space + 1);
    if (word == "match" || word == "softmatch") {
        return add_match(probe, db, line, number);
    }
    Result<int> n = 0;
    if (word == "ports" || word == "sslports") {
        auto ranges = parse_port_ranges(arg);
        if (!ranges) {
            return tl::unexpected(ranges.error());
        }
        (word == "ports" ? probe.ports : probe.sslports) = std::move(*ranges);
    } else if (word == "rarity") {
        n = parse_int(arg, 1, 9, "rarity");
        probe.rarity = n.value_or(0);
    } else if (word == "totalwaitms" || word == "tcpwrappedms") {
        n = parse_int(arg, 100, 300000, word);
        (word == "totalwaitms" ? probe.totalwaitms : probe.tcpwrappedms) = n.value_or(0);
    } else if (word == "fallback") {
        std::size_t start = 0;
        while (start < arg.size()) {
            const auto comma = arg.find(',', start);
            auto name = arg.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
            while (!name.empty() && (name.back() == '\r' || name.back() == ' ')) {
                name.remove_suffix(1);
            }
            probe.fallback_names.emplace_back(name);
            start = comma == std::string_view::npos ? arg.size() : comma + 1;
        }
    } else {
        return fail(fmt::format("unknown directive '{}'", word));
    }
    if (!n) {
        return tl::unexpected(n.error());
    }
    return {};
}

Result<void> resolve_fallbacks(ProbeDb& db) {
    for (Probe& p : db.probes) {
        for (const std::string& name : p.fallback_names) {
            const auto it = std::find_if(db.probes.begin(), db.probes.end(),
                                         [&](const Probe& q) { return q.name == name; });
            if (it == db.probes.end()) {
                return fail(fmt::format("probe {}: fallback '{}' names no probe", p.name, name));
            }
            p.fallbacks.push_back(static_cast<std::size_t>(it - db.probes.begin()));
        }
    }
    return {};
}

}  // namespace

Result<ProbeDb> parse_probe_file(std::string_view text, const std::string& name) {
    ProbeDb db;
    std::size_t number = 0;
    std::size_t start = 0;
    while (start < text.size()) {
        const auto nl = text.find('\n', start);
        auto line = text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
        start = nl == std::string_view::npos ? text.size() : nl + 1;
        ++number;
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        if (line.empty() || line.front() == '#') {
            continue;
        }
        Result<void> r;
        if (line.starts_with("Exclude ")) {
            r = db.probes.empty() ? parse_exclude(line.substr(8), db) : fail("Exclude must come before every Probe");
        } else if (line.starts_with("Probe ")) {
            auto probe = parse_probe_line(line.substr(6));
            if (probe) {
                if (probe->name == "NULL" && probe->proto == Proto::tcp) {
                    db.null_probe = db.probes.size();
                }
                db.probes.push_back(std::move(*probe));
            } else {
                r = tl::unexpected(probe.error());
            }
        } else if (db.probes.empty()) {
            r = fail("expected a Probe or Exclude line");
        } else {
            r = parse_directive(line, number, db.probes.back(), db);
        }
        if (!r) {
            return fail(fmt::format("{}:{}: {}", name, number, r.error().message));
        }
    }
    if (auto r = resolve_fallbacks(db); !r) {
        return fail(fmt::format("{}: {}", name, r.error().message));
    }
    return db;
}

}  // namespace portwarden::version

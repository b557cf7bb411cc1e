#include "watch/alert_format.hpp"

#include <cmath>
#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace portwarden::watch {
namespace {

std::string utc(double unix_seconds) {
    const auto whole = static_cast<std::time_t>(std::floor(unix_seconds));
    const auto millis = static_cast<int>(std::floor((unix_seconds - std::floor(unix_seconds)) * 1000));
    std::tm tm{};
    ::gmtime_r(&whole, &tm);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                       tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
}

}  // namespace

std::string_view alert_hit(const Alert& a) {
    const std::uint32_t total = a.open + a.closed + a.filtered;
    if (total == 0) {
        return "none";
    }
    const auto dominant = [&](std::uint32_t n) { return n * 5 > total * 4; };
    return dominant(a.closed) ? "closed" : dominant(a.filtered) ? "filtered" : dominant(a.open) ? "open" : "mixed";
}

std::string alert_json(const Alert& a, double epoch) {
    const nlohmann::ordered_json j = {
        {"event", a.end ? "scan-end" : a.update ? "scan-update" : "scan"},
        {"time", utc(epoch + a.time)},
        {"src", a.src.to_string()},
        {"dst", a.dst.to_string()},
        {"technique", technique_name(a.technique)},
        {"tool", tool_name(a.tool)},
        {"decided_by", a.decided_by},
        {"first_seen", utc(epoch + a.first_seen)},
        {"latency_s", std::round((a.time - a.first_seen) * 1e6) / 1e6},
        {"probes", a.probes},
        {"ports", a.ports},
        {"hosts", a.hosts},
        {"open", a.open},
        {"closed", a.closed},
        {"filtered", a.filtered},
        {"hit", alert_hit(a)},
        {"failures", a.failures},
        {"successes", a.successes},
    };
    return j.dump();
}

std::string alert_line(const Alert& a, double epoch) {
    return fmt::format("{} scan {}from {} to {}: {} ({}), {} probes, {} ports, {} hosts; {} closed, {} filtered, "
                       "{} open (hit {}); {} after {:.3f} s",
                       utc(epoch + a.time), a.end ? "ended " : a.update ? "update " : "", a.src.to_string(), a.dst.to_string(), technique_name(a.technique),
                       tool_name(a.tool), a.probes, a.ports, a.hosts, a.closed, a.filtered, a.open, alert_hit(a),
                       a.decided_by, a.time - a.first_seen);
}

}  // namespace portwarden::watch

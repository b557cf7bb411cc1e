// The flags of `scan` into the parts of its ScanRequest: technique, timing, targets, ports, habits.
#include <algorithm>
#include <array>
#include <tuple>

#include <fmt/format.h>

#include "cli/nmap_args.hpp"
#include "cli/nmap_habits.hpp"
#include "cli/scan_args.hpp"
#include "cli/scan_checks.hpp"

namespace portwarden::cli {
namespace {

Result<int> timing_level(const std::string& text) {
    static constexpr std::array<std::string_view, 6> names{"paranoid", "sneaky", "polite",
                                                            "normal",   "aggressive", "insane"};
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (text == names.at(i) || text == std::to_string(i)) {
            return static_cast<int>(i);
        }
    }
    return fail(fmt::format("bad timing template '-T{}': expected 0-5 or paranoid|sneaky|polite|normal|"
                            "aggressive|insane",
                            text));
}

std::vector<std::string> split_commas(const std::vector<std::string>& items) {
    std::vector<std::string> out;
    for (const std::string& item : items) {
        std::size_t start = 0;
        while (start <= item.size()) {
            const auto comma = item.find(',', start);
            const auto end = comma == std::string::npos ? item.size() : comma;
            out.push_back(item.substr(start, end - start));
            if (comma == std::string::npos) {
                break;
            }
            start = comma + 1;
        }
    }
    return out;
}

// -iL FILE, --excludefile FILE: the file's targets appended to `specs` (no file: nothing).
Result<void> append_target_file(const std::string& path, std::vector<std::string>& specs) {
    if (path.empty()) {
        return {};
    }
    auto text = read_text_file(path, kTargetListLimits);
    if (!text) {
        return tl::unexpected(text.error());
    }
    for (auto& s : split_target_list(*text)) {
        specs.push_back(std::move(s));
    }
    return {};
}

}  // namespace

Result<void> apply_duration(const std::string& flag, const std::string& text, std::chrono::microseconds& field) {
    if (text.empty()) {
        return {};
    }
    auto d = parse_duration(text);
    if (!d) {
        return fail(fmt::format("{}: {}", flag, d.error().message));
    }
    field = *d;
    return {};
}

Result<Timing> build_timing(const ScanArgs& a) {
    Timing t;
    if (!a.timing_level.empty()) {
        auto level = timing_level(a.timing_level);
        if (!level) {
            return tl::unexpected(level.error());
        }
        t = Timing::from_template(*level);
    }
    for (const auto& [flag, text, field] :
         {std::tuple{"--min-rtt-timeout", a.min_rtt, &t.min_rtt_timeout},
          std::tuple{"--max-rtt-timeout", a.max_rtt, &t.max_rtt_timeout},
          std::tuple{"--initial-rtt-timeout", a.initial_rtt, &t.initial_rtt_timeout},
          std::tuple{"--host-timeout", a.host_timeout, &t.host_timeout},
          std::tuple{"--scan-delay", a.scan_delay, &t.scan_delay}}) {
        if (auto r = apply_duration(flag, text, *field); !r) {
            return tl::unexpected(r.error());
        }
    }
    if (!a.max_retries.empty()) {
        auto retries = parse_max_retries(a.max_retries);
        if (!retries) {
            return tl::unexpected(retries.error());
        }
        t.max_retries = *retries;
    }
    if (t.min_rtt_timeout > t.max_rtt_timeout) {
        return fail("--min-rtt-timeout is larger than --max-rtt-timeout");
    }
    t.initial_rtt_timeout = std::clamp(t.initial_rtt_timeout, t.min_rtt_timeout, t.max_rtt_timeout);
    for (const auto& [flag, text, field] :
         {std::tuple{"--max-rate", a.max_rate, &t.max_rate}, std::tuple{"--min-rate", a.min_rate, &t.min_rate}}) {
        if (!text.empty()) {
            auto rate = parse_rate(flag, text);
            if (!rate) {
                return tl::unexpected(rate.error());
            }
            *field = *rate;
        }
    }
    if (t.max_rate > 0 && t.min_rate > t.max_rate) {
        return fail("--min-rate is larger than --max-rate");
    }
    if (a.max_parallelism < 0) {
        return fail(fmt::format("bad --max-parallelism '{}': must be positive", a.max_parallelism));
    }
    if (a.max_parallelism > 0) {
        t.max_parallelism = a.max_parallelism;
    }
    return t;
}

Result<TargetSet> build_targets(const ScanArgs& a) {
    TargetParseOptions options;
    options.resolver = system_resolver();
    std::vector<std::string> specs = a.targets;
    if (auto r = append_target_file(a.input_list, specs); !r) {
        return tl::unexpected(r.error());
    }
    if (specs.empty()) {
        return fail("no targets given (name hosts, networks or ranges, or use -iL FILE)");
    }
    TargetSet set;
    for (const std::string& spec : specs) {
        if (auto r = set.add(spec, options); !r) {
            return tl::unexpected(r.error());
        }
    }
    std::vector<std::string> excluded = split_commas(a.exclude);
    if (auto r = append_target_file(a.exclude_file, excluded); !r) {
        return tl::unexpected(r.error());
    }
    for (const std::string& spec : excluded) {
        if (auto r = set.exclude(spec, options); !r) {
            return tl::unexpected(Error{"--exclude: " + r.error().message});
        }
    }
    if (set.empty()) {
        return fail("every target is excluded: nothing to scan");
    }
    return set;
}

Result<PortList> build_ports(const ScanArgs& a, const ScanTypes& types, const ServiceLookup& services) {
    const PortProtocols scanned = types.protocols();
    PortList ports;
    if (a.ports_given && !a.top_ports.empty()) {
        return fail(fmt::format("-p '{}' and --top-ports {} both choose the ports: give one", a.ports, a.top_ports));
    }
    if (a.ports_given) {
        if (a.ports.empty()) {
            return fail("bad -p '': no ports given (e.g. -p 22,80 or -p- for all)");
        }
        if (auto mixed = check_port_prefixes(a.ports, types.technique, scanned); !mixed && !a.other_protocol_ports) {
            return tl::unexpected(mixed.error());
        }
        auto parsed = parse_ports(a.ports, scanned, services);
        if (!parsed) {
            return tl::unexpected(parsed.error());
        }
        ports = std::move(*parsed);
    } else if (!a.top_ports.empty()) {
        auto n = parse_top_ports(a.top_ports);
        if (!n) {
            return tl::unexpected(n.error());
        }
        ports = top_ports(*n, scanned, services());
    } else {
        ports = top_ports(1000, scanned, services());
    }
    if (!a.exclude_ports.empty()) {
        auto excluded = parse_ports(a.exclude_ports, scanned, services);
        if (!excluded) {
            return fail("--exclude-ports: " + excluded.error().message);
        }
        ports = without(ports, *excluded);
    }
    if (ports.empty()) {
        return fail("no ports left to scan");
    }
    return ports;
}

// --min/--max-hostgroup, -S -e -g --ttl into the request. Errors are bad input.
Result<void> apply_habits(const ScanArgs& a, ScanRequest& request) {
    for (const auto& [flag, text, field] : {std::tuple{"--min-hostgroup", &a.min_hostgroup, &request.min_host_group},
                                           std::tuple{"--max-hostgroup", &a.max_hostgroup, &request.max_host_group}}) {
        if (!text->empty()) {
            auto n = parse_host_group(flag, *text);
            if (!n) {
                return tl::unexpected(n.error());
            }
            *field = *n;
        }
    }
    if (request.max_host_group > 0 && request.min_host_group > request.max_host_group) {
        return fail("--min-hostgroup is larger than --max-hostgroup");
    }
    request.host_group = static_cast<std::size_t>(std::max<std::uint64_t>(request.host_group, request.min_host_group));
    if (request.max_host_group > 0) {
        request.host_group =
            static_cast<std::size_t>(std::min<std::uint64_t>(request.host_group, request.max_host_group));
    }
    auto raw = parse_raw_source(a.interface, a.source_address, a.source_port, a.ttl);
    if (!raw) {
        return tl::unexpected(raw.error());
    }
    if (!raw->empty() && request.technique == Technique::connect) {
        return fail("-S, -e, -g and --ttl shape raw probes: they need a raw scan (-sS, -sU, ...), not -sT");
    }
    if (raw->source_port && request.traceroute) {
        return fail("-g fixes the source port, where --traceroute keeps its TTL: give one of them");
    }
    request.raw_source = std::move(*raw);
    return {};
}

}  // namespace portwarden::cli

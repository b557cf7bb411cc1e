// run_raw_scan: the raw-packet path of run_scan. Checks the request, sets up what every host
// group shares (sockets opened once, so privileges can be dropped right after; the columns and
// their probe templates), then runs the shared session loop with the raw engine (raw_engine.hpp).
#include "engine/raw/raw_scan.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "engine/raw/raw_engine.hpp"
#include "io/privileges.hpp"

namespace portwarden::engine {

namespace {

constexpr int kTraceTries = 31;  // --traceroute: TTLs up to 30 ride in the try field
constexpr std::uint64_t kRingProbes = 16384;  // from this many probes (first tries) on, a receive ring

Result<void> check_request(const ScanRequest& request) {
    const bool udp = request.technique == Technique::udp;
    if (udp && !request.ports.tcp.empty()) {
        return fail("a UDP scan (-sU) takes UDP ports; TCP ports need a TCP scan type as well (-sS -sU)");
    }
    if (!udp && !request.with_udp && !request.ports.udp.empty()) {
        return fail("UDP ports need -sU (with a TCP scan type: -sS -sU)");
    }
    if (request.technique == Technique::connect) {  // -sT -sU: run_scan sends only these here
        if (request.scan_flags) {
            return fail("--scanflags sets the flags of raw TCP probes; a connect scan (-sT) cannot choose them");
        }
        if (request.shard_count > 1 || request.resume_from) {
            return fail("--shard and --resume need a raw scan (-sS -sU, ...); -sT -sU has neither");
        }
    }
    if (is_ping_technique(request.technique)) {
        return fail(fmt::format("{} is a host-discovery ping (-PE/-PP), not a port scan type",
                                to_string(request.technique)));
    }
    if (request.shard_count == 0 || request.shard_index >= request.shard_count) {
        return fail(fmt::format("bad shard {}/{}: the index must be below the count", request.shard_index,
                                request.shard_count));
    }
    return {};
}

// Every module the scan uses (the port scan's, then discovery's), for the sockets' filters.
std::vector<const techniques::Module*> scan_modules(const ScanRequest& request, const techniques::Module& scan) {
    std::vector<const techniques::Module*> modules;
    if (!request.ping_only) {
        modules.push_back(&scan);
        const auto* udp = &techniques::module_for(Technique::udp);
        if (request.with_udp && std::find(modules.begin(), modules.end(), udp) == modules.end()) {
            modules.push_back(udp);
        }
    }
    if (!request.skip_host_discovery) {
        for (const auto* m : discovery_modules(request.discovery)) {
            if (std::find(modules.begin(), modules.end(), m) == modules.end()) {
                modules.push_back(m);
            }
        }
    }
    return modules;
}

// The columns of the port scan and of discovery, and their templates. -sS -sU: the TCP
// columns, then the UDP ones, and a phase for each (a column's module tells its protocol).
Result<void> make_columns(const ScanRequest& request, RawScanSetup& s) {
    if (!request.ping_only) {
        const bool udp_only = s.proto == Proto::udp;
        const std::vector<std::uint16_t>& ports = udp_only ? request.ports.udp : request.ports.tcp;
        s.columns.reserve(request.ports.size());
        for (const std::uint16_t p : ports) {
            s.columns.push_back(RawColumn{p, s.scan_module});
        }
        if (request.with_udp && !udp_only) {
            for (const std::uint16_t p : request.ports.udp) {
                s.columns.push_back(RawColumn{p, &techniques::module_for(Technique::udp)});
            }
        }
    }
    s.ping_columns = discovery_columns(request.discovery);
    auto templates = make_templates(s.env, s.columns);
    if (!templates) {
        return tl::unexpected(templates.error());
    }
    s.templates = std::move(*templates);
    const auto tcp_columns = static_cast<std::ptrdiff_t>(request.ports.tcp.size());
    if (request.with_udp && s.proto == Proto::tcp && !request.ping_only && !request.ports.tcp.empty() &&
        !request.ports.udp.empty()) {
        for (const auto& [first, last] : {std::pair{s.columns.begin(), s.columns.begin() + tcp_columns},
                                           std::pair{s.columns.begin() + tcp_columns, s.columns.end()}}) {
            RawPhase phase{std::vector<RawColumn>(first, last), {}};
            auto t = make_templates(s.env, phase.columns);
            if (!t) {
                return tl::unexpected(t.error());
            }
            phase.templates = std::move(*t);
            s.phases.push_back(std::move(phase));
        }
    }
    if (s.connect_tcp) {  // -sT -sU: connect() first (no columns), then UDP if it has ports
        s.phases.emplace_back();
        if (!s.columns.empty()) {
            s.phases.push_back(RawPhase{s.columns, s.templates});
        }
    }
    if (!request.skip_host_discovery) {
        auto t = make_templates(s.env, s.ping_columns);
        if (!t) {
            return tl::unexpected(t.error());
        }
        s.ping_templates = std::move(*t);
    }
    return {};
}

Result<RawScanSetup> set_up(const ScanRequest& request, const ScanRuntime& runtime) {
    RawScanSetup s;
    const bool connect = request.technique == Technique::connect;  // -sT -sU: UDP raw, TCP by connect()
    s.connect_tcp = connect && !request.ping_only && !request.ports.tcp.empty();
    const bool udp = request.technique == Technique::udp || connect;
    s.proto = udp ? Proto::udp : Proto::tcp;
    if (request.scan_flags) {
        auto made = techniques::make_custom_flags_module(*request.scan_flags, request.technique);
        if (!made) {
            return tl::unexpected(made.error());
        }
        s.custom_module = std::move(*made);
    }
    s.scan_module = s.custom_module ? s.custom_module.get()
                                    : &techniques::module_for(connect ? Technique::udp : request.technique);
    auto env = open_raw_environment(request.targets, request.timing, udp || request.with_udp, scan_modules(request, *s.scan_module),
                                    request.raw_source, request.traceroute ? kTraceTries : 0);
    if (!env) {
        return tl::unexpected(env.error());
    }
    s.env = std::move(*env);
    s.env.io->set_close_detached(runtime.close_sockets_detached);
    if (runtime.drop_privileges) {
        auto dropped = io::drop_privileges(runtime.privileged_user);
        if (!dropped) {
            return tl::unexpected(dropped.error());
        }
    }
    if (auto made = make_columns(request, s); !made) {
        return tl::unexpected(made.error());
    }
    // A big scan's replies are read from a receive ring, set up now (after the drop: its
    // thread waits for a grace period). A small scan is read from the ring-less socket to its
    // end: no ring to set up, nor to close, each waiting for grace periods.
    const std::uint64_t per_host = s.columns.size() + (request.skip_host_discovery ? 0 : s.ping_columns.size());
    if (request.targets.size() >= kRingProbes / std::max<std::uint64_t>(per_host, 1)) {
        s.env.io->start_ring();
    }
    return s;
}

}  // namespace

Result<ScanSummary> run_raw_scan(const ScanRequest& request, const ScanRuntime& runtime, const ScanCallbacks& callbacks,
                                 std::stop_token stop) {
    if (auto checked = check_request(request); !checked) {
        return tl::unexpected(checked.error());
    }
    auto setup = set_up(request, runtime);
    if (!setup) {
        return tl::unexpected(setup.error());
    }
    if (callbacks.packet_trace) {
        setup->env.io->set_packet_trace(callbacks.packet_trace);
    }
    RawEngine engine(request, std::move(*setup));
    return run_session(engine, request, callbacks, pick_seed(request.seed), std::move(stop));
}

}  // namespace portwarden::engine

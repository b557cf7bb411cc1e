// run_scan: picks the engine (connect() sockets for -sT, raw packets for every other
// technique); the session loop they share is engine/session.cpp.
#include "engine/connect/connect_scan.hpp"
#include "engine/raw/raw_scan.hpp"
#include "portwarden/scan.hpp"

namespace portwarden {

std::vector<Technique> scan_techniques(const ScanRequest& request) {
    std::vector<Technique> out{request.technique};
    if (request.with_udp && request.technique != Technique::udp) {
        out.push_back(Technique::udp);
    }
    return out;
}

Result<ScanSummary> run_scan(const ScanRequest& request, const ScanCallbacks& callbacks, std::stop_token stop,
                             const ScanRuntime& runtime) {
    if (request.technique == Technique::connect) {
        if (request.with_udp) {
            return fail("the connect scan (-sT) sends no UDP: scan UDP (-sU) with a raw TCP scan type (-sS -sU), "
                        "or in a run of its own");
        }
        return engine::run_connect_scan(request, callbacks, std::move(stop));
    }
    return engine::run_raw_scan(request, runtime, callbacks, std::move(stop));
}

}  // namespace portwarden

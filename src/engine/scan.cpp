// run_scan: picks the engine (connect() sockets for -sT, raw packets for every other
// technique, and for -sT -sU, whose TCP phase the raw engine runs by connect()); the session
// loop they share is engine/session.cpp.
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
    if (request.technique == Technique::connect && !request.with_udp) {
        return engine::run_connect_scan(request, callbacks, std::move(stop));
    }
    return engine::run_raw_scan(request, runtime, callbacks, std::move(stop));
}

}  // namespace portwarden

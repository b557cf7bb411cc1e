// run_scan: picks the engine (connect() sockets for -sT, raw packets for every other
// technique, and for -sT -sU, whose TCP phase the raw engine runs by connect()); the session
// loop they share is engine/session.cpp. pick_seed: the one seed picker.
#include "portwarden/scan.hpp"

#include <random>

#include "engine/connect/connect_scan.hpp"
#include "engine/raw/raw_scan.hpp"

namespace portwarden {

std::vector<Technique> scan_techniques(const ScanRequest& request) {
    std::vector<Technique> out{request.technique};
    if (request.with_udp && request.technique != Technique::udp) {
        out.push_back(Technique::udp);
    }
    return out;
}

std::uint64_t pick_seed(std::uint64_t requested) {
    if (requested != 0) {
        return requested;
    }
    std::random_device rd;
    const std::uint64_t seed = (std::uint64_t{rd()} << 32) | rd();
    return seed == 0 ? 1 : seed;
}

Result<ScanSummary> run_scan(const ScanRequest& request, const ScanCallbacks& callbacks, std::stop_token stop,
                             const ScanRuntime& runtime) {
    if (request.technique == Technique::connect && !request.with_udp) {
        return engine::run_connect_scan(request, callbacks, std::move(stop));
    }
    return engine::run_raw_scan(request, runtime, callbacks, std::move(stop));
}

}  // namespace portwarden

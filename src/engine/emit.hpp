#pragma once
// Handing finished hosts to the caller, shared by the connect and raw paths of run_scan:
// reverse DNS (-R) for hosts found up, the summary's host counts, then the callback.
#include <chrono>

#include "portwarden/scan.hpp"

namespace portwarden::engine {

class HostEmitter {
public:
    HostEmitter(const ScanRequest& request, const ScanCallbacks& callbacks, ScanSummary& summary)
        : request_(request), callbacks_(callbacks), summary_(summary) {}

    void operator()(HostResult host);
    // A host found down (no answer to discovery, or no next hop answered ARP/ND).
    void down(const Address& address, std::chrono::system_clock::time_point start);

private:
    const ScanRequest& request_;
    const ScanCallbacks& callbacks_;
    ScanSummary& summary_;
};

}  // namespace portwarden::engine

#pragma once
// Handing finished hosts to the caller, shared by the connect and raw paths of run_scan:
// reverse DNS (-R) for hosts found up, the summary's host counts, then the callback. With drift
// confirmation (ScanRequest::previous), a host with changed ports is held back until the engine
// has re-probed them (take_held / release), or flushed as it is (flush_held).
#include <chrono>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "engine/drift.hpp"
#include "portwarden/scan.hpp"

namespace portwarden::engine {

class HostEmitter {
public:
    HostEmitter(const ScanRequest& request, const ScanCallbacks& callbacks, ScanSummary& summary)
        : request_(request), callbacks_(callbacks), summary_(summary) {}

    void operator()(HostResult host);
    // A host found down (no answer to discovery, or no next hop answered ARP/ND).
    void down(const Address& address, std::chrono::system_clock::time_point start);

    // Whether operator() would hold `host` back (or holds another already): a re-probe follows.
    bool would_hold(const HostResult& host);
    // Whether any host could be held back (drift confirmation is on, or one is held already).
    bool may_hold() const { return !held_.empty() || static_cast<bool>(request_.previous); }
    // The hosts held back for a re-probe since the last call.
    std::vector<HeldHost> take_held();
    // Hands a held host over with its re-probe (`second`) applied; see apply_reprobe.
    void release(HeldHost held, std::span<const PortResult> second);
    // Hands these held hosts over as they are (no re-probe could be made).
    void hand_over(std::vector<HeldHost> held);
    // Hands every held host over as it is (no re-probe: the scan stopped).
    void flush_held() { hand_over(take_held()); }

private:
    void deliver(HostResult host);
    // Drift confirmation is on and applies to this host (complete, up, with ports).
    bool confirms_drift(const HostResult& host) const;
    // request_.previous(address), or what would_hold looked up for it just before.
    std::vector<PreviousPort> previous_of(const Address& address);

    const ScanRequest& request_;
    const ScanCallbacks& callbacks_;
    ScanSummary& summary_;
    std::vector<HeldHost> held_;
    std::optional<std::pair<Address, std::vector<PreviousPort>>> looked_up_;  // by would_hold
};

}  // namespace portwarden::engine

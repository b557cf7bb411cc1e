#include "engine/emit.hpp"

#include <utility>

namespace portwarden::engine {

bool HostEmitter::confirms_drift(const HostResult& host) const {
    return request_.previous && host.complete && host.state == HostState::up && !host.ports.empty();
}

std::vector<PreviousPort> HostEmitter::previous_of(const Address& address) {
    std::optional<std::pair<Address, std::vector<PreviousPort>>> looked_up = std::exchange(looked_up_, std::nullopt);
    if (looked_up && looked_up->first == address) {
        return std::move(looked_up->second);  // would_hold looked it up just before
    }
    return request_.previous(address);
}

bool HostEmitter::would_hold(const HostResult& host) {
    if (!held_.empty()) {
        return true;
    }
    if (!confirms_drift(host)) {
        return false;
    }
    std::vector<PreviousPort> previous = previous_of(host.address);
    const bool hold = !changed_ports(host, previous).empty();
    looked_up_.emplace(host.address, std::move(previous));  // operator() reuses it: one history lookup
    return hold;
}

void HostEmitter::operator()(HostResult host) {
    if (confirms_drift(host)) {
        std::vector<PreviousPort> changed = changed_ports(host, previous_of(host.address));
        if (!changed.empty()) {
            held_.push_back(HeldHost{std::move(host), std::move(changed)});
            return;
        }
    }
    deliver(std::move(host));
}

void HostEmitter::deliver(HostResult host) {
    if (request_.reverse_dns && host.state == HostState::up) {
        host.ptr_name = reverse_lookup(host.address);
    }
    ++summary_.hosts_done;
    if (host.state == HostState::up) {
        ++summary_.hosts_up;
    }
    if (host.rate_limit_interval_us) {
        summary_.rate_limited.push_back(host.address);
    }
    if (callbacks_.host_done) {
        callbacks_.host_done(host);
    }
}

void HostEmitter::down(const Address& address, std::chrono::system_clock::time_point start) {
    HostResult down;
    down.address = address;
    down.hostname = request_.targets.hostname_of(address);
    down.state = HostState::down;
    down.reason = Reason::no_response;
    down.start_time = start;
    down.end_time = std::chrono::system_clock::now();
    deliver(std::move(down));
}

std::vector<HeldHost> HostEmitter::take_held() { return std::exchange(held_, {}); }

void HostEmitter::release(HeldHost held, std::span<const PortResult> second) {
    const DriftCounts c = apply_reprobe(held.host, held.changed, second);
    summary_.drift_reprobed += c.reprobed;
    summary_.drift_confirmed += c.confirmed;
    summary_.drift_reverted += c.reverted;
    held.host.end_time = std::chrono::system_clock::now();
    deliver(std::move(held.host));
}

void HostEmitter::hand_over(std::vector<HeldHost> held) {
    for (HeldHost& h : held) {
        deliver(std::move(h.host));
    }
}

}  // namespace portwarden::engine

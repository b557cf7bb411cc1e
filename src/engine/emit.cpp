#include "engine/emit.hpp"

namespace portwarden::engine {

void HostEmitter::operator()(HostResult host) {
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
    (*this)(std::move(down));
}

}  // namespace portwarden::engine

#include "version/matcher.hpp"
#include "version/prober.hpp"

namespace portwarden::version {

namespace {
constexpr std::size_t kMaxResponse = 64 * 1024;  // more than any pattern looks at
}

PortProbing::PortProbing(const ProbeDb& db, Address address, std::uint16_t port, int intensity)
    : db_(&db), address_(address), port_(port), plan_(probe_plan(db, Proto::tcp, port, intensity)) {
    done_ = in_ranges(db.excluded_tcp, port);  // nmap's Exclude line (printer ports): never probed
}

std::optional<std::size_t> PortProbing::next_probe() {
    response_.clear();
    while (!done_ && next_ < plan_.size()) {
        const std::size_t i = plan_[next_++];
        if (!soft_ || can_name(db_->probes[i], soft_->name)) {
            return i;
        }
    }
    done_ = true;
    return std::nullopt;
}

bool PortProbing::add_response(std::string_view bytes) {
    response_.append(bytes.substr(0, kMaxResponse - std::min(kMaxResponse, response_.size())));
    MatchOutcome m = match_response(*db_, plan_.at(next_ - 1), response_);
    if (m.soft && !soft_) {
        soft_ = std::move(m.soft);
    }
    if (m.hard) {
        hard_ = std::move(m.hard);
        done_ = true;
    }
    return done_;
}

void PortProbing::peer_closed(std::chrono::milliseconds elapsed) {
    // nmap: a connection the peer closes at once without a byte, before the NULL probe's
    // tcpwrappedms, is a TCP wrapper (or similar) refusing us: "tcpwrapped", conf 8.
    if (response_.empty() && plan_.at(next_ - 1) == db_->null_probe && elapsed.count() < current().tcpwrappedms) {
        ServiceInfo s;
        s.name = "tcpwrapped";
        s.conf = 8;
        wrapped_ = s;
        done_ = true;
    }
}

std::optional<ServiceInfo> PortProbing::result() const {
    if (hard_) {
        return hard_;
    }
    return soft_ ? soft_ : wrapped_;
}

}  // namespace portwarden::version

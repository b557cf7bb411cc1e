#include "version/matcher.hpp"
#include "version/prober.hpp"

namespace portwarden::version {

namespace {
constexpr std::size_t kMaxResponse = 64 * 1024;  // more than any pattern looks at
constexpr int kFingerprintIntensity = 7;         // nmap prints no fingerprint below this
}

PortProbing::PortProbing(const ProbeDb& db, const PortTarget& target, int intensity, FingerprintHeader fp_header)
    : db_(&db), target_(target), intensity_(intensity),
      plan_(probe_plan(db, target.proto, target.port, intensity, false)), fp_(std::move(fp_header)) {
    // nmap's Exclude line (printer ports): never probed
    done_ = in_ranges(target.proto == Proto::tcp ? db.excluded_tcp : db.excluded_udp, target.port);
}

std::optional<std::size_t> PortProbing::next_probe() {
    if (next_ > 0 && !response_.empty()) {
        fp_.add(current().name, response_);  // the response settled nothing
    }
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

// nmap's scanThroughTunnel: a hard match for "ssl" over plain TCP starts the probes over
// inside TLS, with what was found so far forgotten (the fingerprint too).
void PortProbing::start_tunnel() {
    tunnel_ = true;
    hard_.reset();
    soft_.reset();
    wrapped_.reset();
    response_.clear();
    fp_.clear();
    fp_.set_ssl(true);
    plan_ = probe_plan(*db_, Proto::tcp, target_.port, intensity_, true);
    next_ = 0;
}

Step PortProbing::add_response(std::string_view bytes) {
    responded_ = responded_ || !bytes.empty();
    response_.append(bytes.substr(0, kMaxResponse - std::min(kMaxResponse, response_.size())));
    MatchOutcome m = match_response(*db_, plan_.at(next_ - 1), response_);
    if (m.soft && !soft_) {
        soft_ = std::move(m.soft);
    }
    if (!m.hard) {
        return Step::wait;
    }
    if (m.hard->name.starts_with("ssl/")) {  // "ssl/ldap": known without a TLS connection
        m.hard->name.erase(0, 4);
        m.hard->tunnel = "ssl";
    } else if (m.hard->name == "ssl" && target_.proto == Proto::tcp && target_.tls && !tunnel_) {
        start_tunnel();
        return Step::restart;
    }
    if (tunnel_) {
        m.hard->tunnel = "ssl";
    }
    hard_ = std::move(m.hard);
    done_ = true;
    return Step::done;
}

void PortProbing::peer_closed(std::chrono::milliseconds elapsed) {
    // nmap: a connection the peer closes at once without a byte, before the NULL probe's
    // tcpwrappedms, is a TCP wrapper (or similar) refusing us: "tcpwrapped", conf 8.
    if (response_.empty() && plan_.at(next_ - 1) == db_->null_probe && elapsed.count() < current().tcpwrappedms) {
        ServiceInfo s;
        s.name = "tcpwrapped";
        s.conf = 8;
        if (tunnel_) {
            s.tunnel = "ssl";
        }
        wrapped_ = s;
        done_ = true;
    }
}

std::optional<ServiceInfo> PortProbing::result() const {
    if (hard_) {
        return hard_;
    }
    std::optional<ServiceInfo> out = soft_ ? soft_ : wrapped_;
    if (!out && (fp_.empty() || intensity_ < kFingerprintIntensity) && !tunnel_) {
        return std::nullopt;
    }
    if (!out) {  // answered, but nothing recognised it: the table's name, the fingerprint
        out = ServiceInfo{};
        out->conf = 3;
    }
    if (tunnel_) {
        out->tunnel = "ssl";
    }
    if (intensity_ >= kFingerprintIntensity && out->name != "tcpwrapped") {
        out->servicefp = fp_.text();
    }
    return out;
}

}  // namespace portwarden::version

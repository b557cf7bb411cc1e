// ServiceProbes: the public face of the parsed probes file.
#include <fmt/format.h>

#include "portwarden/limits.hpp"
#include "portwarden/targets.hpp"
#include "portwarden/version.hpp"
#include "version/probe_parser.hpp"

namespace portwarden {

namespace {
// nmap-service-probes: 2.5 MB in nmap 7.93, lines up to ~1.8 kB (nmap reads 2 kB lines).
constexpr TextLimits kServiceProbesLimits{"service probes file", 32 * kMiB, 64 * 1024};
}  // namespace

void ServiceFindings::add(const Address& address, Proto proto, std::uint16_t port, ServiceInfo info) {
    found_[{address.to_string(), (proto == Proto::tcp ? 0U : 65536U) + port}] = std::move(info);
}

const ServiceInfo* ServiceFindings::find(const Address& address, Proto proto, std::uint16_t port) const {
    const auto it = found_.find({address.to_string(), (proto == Proto::tcp ? 0U : 65536U) + port});
    return it == found_.end() ? nullptr : &it->second;
}

std::vector<ServiceFindings::Entry> ServiceFindings::entries() const {
    std::vector<Entry> out;
    for (const auto& [key, info] : found_) {
        if (auto address = Address::parse(key.first)) {
            out.push_back({*address, key.second >= 65536U ? Proto::udp : Proto::tcp,
                           static_cast<std::uint16_t>(key.second & 0xFFFFU), &info});
        }
    }
    return out;
}

const char* ServiceProbes::default_path() { return "/usr/share/nmap/nmap-service-probes"; }

Result<ServiceProbes> ServiceProbes::parse(std::string_view text, const std::string& name) {
    auto db = version::parse_probe_file(text, name);
    if (!db) {
        return tl::unexpected(db.error());
    }
    if (!db->null_probe) {
        return fail(fmt::format("{}: no 'Probe TCP NULL' (the banner probe every TCP port starts with)", name));
    }
    ServiceProbes out;
    out.db_ = std::make_shared<const version::ProbeDb>(std::move(*db));
    return out;
}

Result<ServiceProbes> ServiceProbes::load(const std::string& path) {
    auto text = read_text_file(path, kServiceProbesLimits);
    if (!text) {
        return tl::unexpected(text.error());
    }
    return parse(*text, path);
}

std::size_t ServiceProbes::probe_count() const { return db_->probes.size(); }

std::size_t ServiceProbes::match_count() const {
    std::size_t n = 0;
    for (const auto& p : db_->probes) {
        n += p.matches.size();
    }
    return n;
}

std::size_t ServiceProbes::skipped_patterns() const { return db_->skipped_patterns; }

}  // namespace portwarden

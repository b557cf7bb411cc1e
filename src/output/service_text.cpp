#include "output/service_text.hpp"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

namespace portwarden::output {
namespace {

void add_once(std::vector<std::string>& list, const std::string& value) {
    if (!value.empty() && std::find(list.begin(), list.end(), value) == list.end()) {
        list.push_back(value);
    }
}

}  // namespace

std::string version_cell(const ServiceInfo& s) {
    std::string out = s.product;
    if (!s.version.empty()) {
        out += (out.empty() ? "" : " ") + s.version;
    }
    if (!s.extrainfo.empty()) {
        out += (out.empty() ? "(" : " (") + s.extrainfo + ")";
    }
    return out;
}

std::string service_info_line(const HostResult& host, const ServiceFindings& found) {
    std::vector<std::string> hosts, oses, devices, cpes;
    for (const PortResult& p : host.ports) {
        const ServiceInfo* s = found.find(host.address, p.proto, p.port);
        if (s == nullptr) {
            continue;
        }
        add_once(hosts, s->hostname);
        add_once(oses, s->ostype);
        add_once(devices, s->devicetype);
        for (const std::string& cpe : s->cpes) {
            if (!cpe.starts_with("cpe:/a")) {
                add_once(cpes, cpe);
            }
        }
    }
    std::vector<std::string> parts;
    for (const auto& [label, plural, list] :
         {std::tuple{"Host", "Hosts", &hosts}, std::tuple{"OS", "OSs", &oses},
          std::tuple{"Device", "Devices", &devices}}) {
        if (!list->empty()) {
            parts.push_back(fmt::format("{}: {}", list->size() > 1 ? plural : label, fmt::join(*list, ", ")));
        }
    }
    if (!cpes.empty()) {
        parts.push_back(fmt::format("CPE: {}", fmt::join(cpes, ", ")));
    }
    if (parts.empty()) {
        return {};
    }
    return fmt::format("Service Info: {}\n", fmt::join(parts, "; "));
}

std::string fingerprint_block(const HostResult& host, const ServiceFindings& found) {
    constexpr std::size_t kMaxShown = 9;  // nmap keeps up to 9 per host
    std::vector<const std::string*> fps;
    for (const PortResult& p : host.ports) {
        const ServiceInfo* s = found.find(host.address, p.proto, p.port);
        if (s != nullptr && !s->servicefp.empty() && fps.size() < kMaxShown) {
            fps.push_back(&s->servicefp);
        }
    }
    if (fps.empty()) {
        return {};
    }
    const bool one = fps.size() == 1;
    std::string out = fmt::format(
        "{} service{} unrecognized despite returning data. If you know the service/version, please submit the "
        "following fingerprint{} at https://nmap.org/cgi-bin/submit.cgi?new-service :\n",
        fps.size(), one ? "" : "s", one ? "" : "s");
    for (const std::string* fp : fps) {
        if (!one) {
            out += "==============NEXT SERVICE FINGERPRINT (SUBMIT INDIVIDUALLY)==============\n";
        }
        out += *fp + "\n";
    }
    return out;
}

}  // namespace portwarden::output

#include "portwarden/diff.hpp"

#include <algorithm>
#include <map>
#include <tuple>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace portwarden {

namespace {

using PortKey = std::pair<Proto, std::uint16_t>;

std::map<PortKey, PortSide> ports_of(const HostResult& h) {
    std::map<PortKey, PortSide> out;
    for (const auto& p : h.ports) {
        out[{p.proto, p.port}] = PortSide{p.state, p.reason};
    }
    return out;
}

std::string_view host_word(const std::optional<HostState>& s) {
    if (!s) {
        return "not scanned";
    }
    switch (*s) {
        case HostState::up: return "up";
        case HostState::down: return "down";
        default: return "unknown";
    }
}

std::string side_text(const PortSide& s) {
    return fmt::format("{:<15} {}", to_string(s.state), to_string(s.reason));
}

}  // namespace

ScanDiff diff_scans(const std::vector<HostResult>& a, const std::vector<HostResult>& b) {
    std::map<Address, const HostResult*> left;
    std::map<Address, const HostResult*> right;
    for (const auto& h : a) {
        left[h.address] = &h;
    }
    for (const auto& h : b) {
        right[h.address] = &h;
    }
    std::vector<Address> all;
    for (const auto& [addr, _] : left) {
        all.push_back(addr);
    }
    for (const auto& [addr, _] : right) {
        if (!left.contains(addr)) {
            all.push_back(addr);
        }
    }
    std::sort(all.begin(), all.end());
    ScanDiff out;
    for (const auto& addr : all) {
        const auto l = left.find(addr);
        const auto r = right.find(addr);
        HostDiff change;
        change.address = addr;
        if (l != left.end()) {
            change.a = l->second->state;
        }
        if (r != right.end()) {
            change.b = r->second->state;
        }
        const auto lp = l != left.end() ? ports_of(*l->second) : std::map<PortKey, PortSide>{};
        const auto rp = r != right.end() ? ports_of(*r->second) : std::map<PortKey, PortSide>{};
        std::map<PortKey, PortDiff> ports;
        std::size_t both = 0;
        for (const auto& [key, side] : lp) {
            const auto it = rp.find(key);
            if (it == rp.end()) {
                continue;
            }
            ++both;
            if (it->second.state != side.state) {
                ports[key] = PortDiff{key.first, key.second, side, it->second};
            }
        }
        change.one_sided_ports = lp.size() + rp.size() - 2 * both;
        for (auto& [_, p] : ports) {
            change.ports.push_back(p);
        }
        if (change.a != change.b || !change.ports.empty()) {
            out.hosts.push_back(std::move(change));
        }
    }
    return out;
}

std::string render_diff_text(const ScanDiff& diff, const std::string& a_name, const std::string& b_name) {
    std::string out = fmt::format("-{}\n+{}\n", a_name, b_name);
    for (const auto& h : diff.hosts) {
        out += fmt::format("\n {}:\n", h.address.to_string());
        if (h.a != h.b) {
            out += fmt::format("-Host is {}.\n+Host is {}.\n", host_word(h.a), host_word(h.b));
        }
        for (const auto& p : h.ports) {
            const std::string port = fmt::format("{}/{}", p.port, to_string(p.proto));
            out += fmt::format("-{:<9} {}\n", port, side_text(p.a));
            out += fmt::format("+{:<9} {}\n", port, side_text(p.b));
        }
        if (h.one_sided_ports > 0 && h.a && h.b) {
            out += fmt::format(" ({} port{} scanned on one side only: not compared)\n", h.one_sided_ports,
                               h.one_sided_ports == 1 ? "" : "s");
        }
    }
    if (!diff.different()) {
        out += "\nno differences\n";
    }
    return out;
}

std::string render_diff_json(const ScanDiff& diff, const std::string& a_name, const std::string& b_name) {
    using nlohmann::json;
    const auto side = [](const PortSide& s) -> json {
        return json{{"state", std::string(to_string(s.state))}, {"reason", std::string(to_string(s.reason))}};
    };
    const auto host = [](const std::optional<HostState>& s) -> json {
        return s ? json(std::string(host_word(s))) : json(nullptr);
    };
    json hosts = json::array();
    for (const auto& h : diff.hosts) {
        json ports = json::array();
        for (const auto& p : h.ports) {
            ports.push_back({{"proto", std::string(to_string(p.proto))}, {"port", p.port}, {"a", side(p.a)},
                             {"b", side(p.b)}});
        }
        hosts.push_back({{"host", h.address.to_string()}, {"a", host(h.a)}, {"b", host(h.b)}, {"ports", ports},
                         {"one_sided_ports", h.one_sided_ports}});
    }
    const json doc{{"a", a_name}, {"b", b_name}, {"different", diff.different()}, {"hosts", hosts}};
    return doc.dump(2) + "\n";
}

}  // namespace portwarden

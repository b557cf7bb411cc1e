// The inventory's reports: a text table and one JSON document (README "portwarden inventory").
#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "inventory/describe.hpp"
#include "output/text_table.hpp"
#include "portwarden/inventory.hpp"

namespace portwarden {

namespace inv {

std::string endpoint(const Listener& l) {
    const std::string device = l.device ? "%" + *l.device : "";
    return l.address.is_v4() ? fmt::format("{}{}:{}", l.address.to_string(), device, l.port)
                              : fmt::format("[{}]{}:{}", l.address.to_string(), device, l.port);
}

std::string owners_text(const Listener& l) {
    if (l.processes.empty()) {
        return "no process";
    }
    const ListenerProcess& p = l.processes.front();
    const std::string more = l.processes.size() > 1 ? fmt::format(" +{} more", l.processes.size() - 1) : "";
    return fmt::format("{} pid {} user {}{}", p.command, p.pid, p.user, more);
}

}  // namespace inv

namespace {

using nlohmann::ordered_json;

std::string bind_text(const Listener& l) {
    std::string text(to_string(l.bind));
    if (l.v6only) {
        text += *l.v6only ? ",v6only" : ",+v4";  // a v6 socket that takes IPv4 too (IPV6_V6ONLY off)
    }
    return text;
}

ordered_json process_json(const ListenerProcess& p) {
    ordered_json j{{"pid", p.pid}, {"command", p.command}, {"uid", p.uid}, {"user", p.user}};
    j["unit"] = p.unit ? ordered_json(*p.unit) : ordered_json(nullptr);
    j["container"] = p.container ? ordered_json{{"runtime", p.container->runtime}, {"id", p.container->id}}
                                 : ordered_json(nullptr);
    return j;
}

ordered_json listener_json(const Listener& l) {
    ordered_json j{{"proto", to_string(l.proto)},
                   {"family", l.address.is_v4() ? "ipv4" : "ipv6"},
                   {"address", l.address.to_string()},
                   {"port", l.port},
                   {"bind", to_string(l.bind)}};
    j["v6only"] = l.v6only ? ordered_json(*l.v6only) : ordered_json(nullptr);
    j["device"] = l.device ? ordered_json(*l.device) : ordered_json(nullptr);
    j["socket_uid"] = l.socket_uid;
    j["inode"] = l.inode;
    j["processes"] = ordered_json::array();
    for (const ListenerProcess& p : l.processes) {
        j["processes"].push_back(process_json(p));
    }
    j["exposure"] = to_string(l.exposure);
    j["exposure_rule"] = l.exposure_rule.empty() ? ordered_json(nullptr) : ordered_json(l.exposure_rule);
    j["exposed_on"] = ordered_json::array();
    for (const Address& a : l.exposed_on) {
        j["exposed_on"].push_back(a.to_string());
    }
    return j;
}

std::string family_text(Family f) {
    return f == Family::v4 ? "ipv4" : "ipv6";
}

}  // namespace

std::string render_inventory_text(const std::vector<Listener>& listeners,
                                  const std::vector<ListenerViolation>* violations,
                                  const std::vector<IdlePort>* idle) {
    const bool rules = std::any_of(listeners.begin(), listeners.end(),
                                   [](const Listener& l) { return !l.exposure_rule.empty(); });
    std::vector<std::vector<std::string>> rows{{"PROTO", "ADDRESS", "BIND", "PROCESS", "USER", "UNIT", "EXPOSURE"}};
    if (rules) {
        rows.front().push_back("FIREWALL");
    }
    for (const Listener& l : listeners) {
        std::string process = "-";
        std::string user = "-";
        std::string unit = "-";
        if (!l.processes.empty()) {
            const ListenerProcess& p = l.processes.front();
            process = fmt::format("{}[{}]{}", p.command, p.pid,
                                  l.processes.size() > 1 ? fmt::format(" +{}", l.processes.size() - 1) : "");
            user = p.user;
            unit = p.container ? fmt::format("{}:{:.12}", p.container->runtime, p.container->id) : p.unit.value_or("-");
        }
        rows.push_back({std::string(to_string(l.proto)), inv::endpoint(l), bind_text(l), process, user, unit,
                        std::string(to_string(l.exposure))});
        if (rules) {
            rows.back().push_back(l.exposure_rule.empty() ? "-" : l.exposure_rule);
        }
    }
    std::string out = output::render_table(rows);
    out += fmt::format("{} listeners\n", listeners.size());
    if (idle != nullptr) {
        for (const IdlePort& p : *idle) {
            out += fmt::format("accepted, nothing listens: {}/{} {} ({})\n", p.port, to_string(p.proto),
                               family_text(p.family), p.rule);
        }
    }
    if (violations != nullptr) {
        for (const ListenerViolation& v : *violations) {
            out += fmt::format("PW006 {}\n", v.message);
        }
        out += violations->empty() ? "verdict: compliant\n"
                                   : fmt::format("verdict: violations ({})\n", violations->size());
    }
    return out;
}

std::string render_inventory_json(const std::vector<Listener>& listeners, const std::string& netns,
                                  const audit::Policy* policy, const std::vector<ListenerViolation>* violations,
                                  const std::vector<IdlePort>* idle) {
    ordered_json doc;
    doc["netns"] = netns.empty() ? ordered_json(nullptr) : ordered_json(netns);
    doc["listeners"] = ordered_json::array();
    for (const Listener& l : listeners) {
        doc["listeners"].push_back(listener_json(l));
    }
    if (idle != nullptr) {
        doc["accepted_without_listener"] = ordered_json::array();
        for (const IdlePort& p : *idle) {
            doc["accepted_without_listener"].push_back(ordered_json{
                {"proto", to_string(p.proto)}, {"family", family_text(p.family)}, {"port", p.port}, {"rule", p.rule}});
        }
    }
    if (policy != nullptr && violations != nullptr) {
        ordered_json found = ordered_json::array();
        for (const ListenerViolation& v : *violations) {
            ordered_json entry{{"rule", "PW006"}, {"name", "unexpected-listener"}, {"message", v.message}};
            entry["listener"] = listener_json(v.listener);
            found.push_back(std::move(entry));
        }
        doc["policy"] = ordered_json{{"path", policy->path},
                                     {"verdict", violations->empty() ? "compliant" : "violations"},
                                     {"exit_code", violations->empty() ? 0 : 1},
                                     {"violations", std::move(found)}};
    }
    return doc.dump(2) + "\n";
}

}  // namespace portwarden

// portwarden's JSON Lines (-oJ, src/output/json_writer.cpp) back into HostResults: the port
// records of a host come before its host record; the summary record is ignored.
#include <algorithm>
#include <map>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "portwarden/limits.hpp"
#include "portwarden/result_file.hpp"
#include "responder/json.hpp"
#include "resultfile/port_set.hpp"

namespace portwarden {
namespace {

using Json = nlohmann::json;

std::string string_field(const Json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

template <class T>
std::optional<T> number_field(const Json& j, const char* key) {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_number_unsigned() || it->get<std::uint64_t>() > std::numeric_limits<T>::max()) {
        return std::nullopt;
    }
    return static_cast<T>(it->get<std::uint64_t>());
}

Result<PortResult> port_record(const Json& j) {
    PortResult p;
    const auto proto = parse_proto(string_field(j, "proto"));
    const auto port = number_field<std::uint16_t>(j, "port");
    const auto state = parse_port_state(string_field(j, "state"));
    if (!proto || !port || *port == 0 || !state) {
        return fail("a port record needs proto, port (1-65535) and state");
    }
    p.proto = *proto;
    p.port = *port;
    p.state = *state;
    p.reason = parse_reason(string_field(j, "reason")).value_or(Reason::unknown);
    p.reason_ttl = number_field<std::uint8_t>(j, "ttl");
    p.rtt_us = number_field<std::uint32_t>(j, "rtt_us");
    if (const std::string ip = string_field(j, "reason_ip"); !ip.empty()) {
        p.reason_ip = Address::parse(ip);
    }
    return p;
}

Result<void> host_record(const Json& j, HostResult& h) {
    const std::string status = string_field(j, "status");
    if (status == "up") {
        h.state = HostState::up;
    } else if (status == "down") {
        h.state = HostState::down;
    } else if (status == "unknown") {
        h.state = HostState::unknown;
    } else {
        return fail(fmt::format("bad host status '{}'", status));
    }
    h.hostname = string_field(j, "hostname");
    h.ptr_name = string_field(j, "ptr");
    h.reason = parse_reason(string_field(j, "reason")).value_or(Reason::unknown);
    h.srtt_us = number_field<std::uint32_t>(j, "srtt_us");
    h.hops = number_field<std::uint8_t>(j, "hops");
    if (const auto r = j.find("responder"); r != j.end()) {
        h.responder = responder::from_json(*r);
    }
    const auto complete = j.find("complete");
    h.complete = complete == j.end() || !complete->is_boolean() || complete->get<bool>();
    return {};
}

// Sorts by (proto, port); a port listed twice keeps its first record.
void merge_duplicate_ports(std::vector<PortResult>& ports) {
    auto seen = std::make_unique<resultfile::PortSet>();
    std::erase_if(ports, [&](const PortResult& p) { return !seen->insert(p.proto, p.port); });
    std::sort(ports.begin(), ports.end(),
              [](const PortResult& a, const PortResult& b) { return std::pair{a.proto, a.port} < std::pair{b.proto, b.port}; });
}

}  // namespace

Result<std::vector<HostResult>> parse_json_lines(std::string_view text, const std::string& path) {
    std::vector<HostResult> hosts;
    std::map<Address, HostResult> pending;  // port records seen, host record not yet
    std::size_t port_results = 0;
    std::size_t line_no = 0;
    std::size_t start = 0;
    while (start < text.size()) {
        const auto nl = text.find('\n', start);
        const std::string_view line = text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
        start = nl == std::string_view::npos ? text.size() : nl + 1;
        ++line_no;
        if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
            continue;
        }
        const auto where = [&](const std::string& what) { return fail(fmt::format("{}:{}: {}", path, line_no, what)); };
        const Json j = Json::parse(line, nullptr, false);
        if (j.is_discarded() || !j.is_object()) {
            return where("not a JSON object (expected portwarden JSON Lines, -oJ)");
        }
        const std::string type = string_field(j, "type");
        if (type == "run") {  // the first record: its schema version (schema/portwarden-jsonl.schema.json)
            const auto version = j.find("version");
            if (version == j.end() || !version->is_number_integer() || *version != 1) {
                return where("unsupported JSON Lines schema version (this portwarden reads version 1)");
            }
            continue;
        }
        if (type == "summary") {
            continue;
        }
        if (type != "port" && type != "host") {
            return where(fmt::format("unknown record type '{}' (expected run, port, host or summary)", type));
        }
        const auto address = Address::parse(string_field(j, "host"));
        if (!address) {
            return where(fmt::format("bad host address '{}'", string_field(j, "host")));
        }
        HostResult& h = pending[*address];
        h.address = *address;
        if (type == "port") {
            auto p = port_record(j);
            if (!p) {
                return where(p.error().message);
            }
            h.ports.push_back(*p);
            continue;
        }
        if (auto r = host_record(j, h); !r) {
            return where(r.error().message);
        }
        merge_duplicate_ports(h.ports);
        port_results += h.ports.size();
        if (port_results > kMaxPortResults) {
            return where(fmt::format("more than {} port results, the limit for a result file", kMaxPortResults));
        }
        hosts.push_back(std::move(h));
        pending.erase(*address);
    }
    if (!pending.empty()) {
        return fail(fmt::format("{}: port records of {} have no host record (file cut short?)", path,
                                pending.begin()->first.to_string()));
    }
    return hosts;
}

}  // namespace portwarden

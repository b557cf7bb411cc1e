#include "output/json_port_lines.hpp"

#include <charconv>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "output/format.hpp"
#include "version/service_fp.hpp"

namespace portwarden::output {
namespace {

using Json = nlohmann::ordered_json;

void append_number(std::string& out, std::uint32_t n) {
    std::array<char, 10> digits{};
    const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), n).ptr;
    out.append(digits.data(), end);
}

std::string service_object(const ServiceInfo& s) {
    Json j;
    j["name"] = s.name.empty() ? std::string("unknown") : s.name;  // answered, unrecognised
    for (const auto& [key, value] :
         {std::pair{"product", &s.product}, std::pair{"version", &s.version}, std::pair{"extrainfo", &s.extrainfo},
          std::pair{"hostname", &s.hostname}, std::pair{"ostype", &s.ostype}, std::pair{"devicetype", &s.devicetype}}) {
        if (!value->empty()) {
            j[key] = *value;
        }
    }
    if (!s.cpes.empty()) {
        j["cpe"] = s.cpes;
    }
    if (!s.tunnel.empty()) {
        j["tunnel"] = s.tunnel;
    }
    if (!s.servicefp.empty()) {
        j["servicefp"] = version::unwrap_fingerprint(s.servicefp);
    }
    j["method"] = s.name.empty() ? "table" : "probed";
    j["conf"] = s.conf;
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string dump_string(const std::string& text) {
    return Json(text).dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

PortLines::PortLines(const HostResult& host, const ServiceFindings* versions)
    : versions_(versions), address_(host.address),
      prefix_(fmt::format(R"({{"type":"port","host":"{}","hostname":{},"proto":")", host.address.to_string(),
                          dump_string(host.hostname))),
      time_(iso_utc(host.end_time)), tail_(R"(,"time":")" + time_ + "\"}\n"),
      forged_(host.responder && !host.responder->forged.empty() ? &*host.responder : nullptr) {
    for (const Proto proto : {Proto::tcp, Proto::udp}) {
        heads_.at(static_cast<std::size_t>(proto)) = prefix_ + std::string(to_string(proto)) + R"(","port":)";
    }
}

// Plain appends rather than fmt::format_to(std::back_inserter(out), ...): fmt v9 grows a
// std::string through a back_insert_iterator by resize() per piece, several times slower for
// the ~10 MB of a -p- host. The pieces every port of a host shares (the head up to the port
// number, the state and reason, the time) are made once each.
void PortLines::append(std::string& out, const PortResult& p) {
    out += heads_.at(static_cast<std::size_t>(p.proto));
    append_number(out, p.port);
    out += state_and_reason(p.state, p.reason);
    if (p.reason_ttl) {
        out += R"(,"ttl":)";
        append_number(out, *p.reason_ttl);
    }
    if (p.rtt_us) {
        out += R"(,"rtt_us":)";
        append_number(out, *p.rtt_us);
    }
    if (p.reason_ip) {
        out += R"(,"reason_ip":")";
        out += p.reason_ip->to_string();
        out += '"';
    }
    if (const ForgedReply* f = forged_ != nullptr ? forged_->forged_at(p.proto, p.port) : nullptr) {
        out += R"(,"forged":")";
        out += to_string(f->confidence);
        out += '"';
    }
    if (const ServiceInfo* found = versions_ != nullptr ? versions_->find(address_, p.proto, p.port) : nullptr) {
        out += R"(,"service":)";
        out += service_object(*found);
    }
    out += tail_;
}

const std::string& PortLines::state_and_reason(PortState state, Reason reason) {
    for (const auto& [s, r, text] : states_) {
        if (s == state && r == reason) {
            return text;
        }
    }
    states_.emplace_back(state, reason, R"(,"state":")" + std::string(to_string(state)) + R"(","reason":")" +
                                            std::string(to_string(reason)) + '"');
    return std::get<2>(states_.back());
}

}  // namespace portwarden::output

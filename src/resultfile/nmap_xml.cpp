// Nmap XML (-oX, nmap's or ours) back into HostResults. Ports nmap folds into <extraports>
// come back from their <extrareasons ports="..."> lists (nmap 7.90 and later write them);
// without such a list those ports stay unknown (not scanned, as far as we can tell).
#include <algorithm>
#include <charconv>
#include <cstring>
#include <memory>

#include <fmt/format.h>
#include <pugixml.hpp>

#include "portwarden/limits.hpp"
#include "portwarden/result_file.hpp"
#include "responder/notes.hpp"
#include "resultfile/port_set.hpp"

namespace portwarden {
namespace {

std::optional<std::uint32_t> number(const char* text, std::uint32_t max) {
    std::uint32_t v = 0;
    const char* end = text + std::strlen(text);
    const auto [ptr, ec] = std::from_chars(text, end, v);
    if (ec != std::errc{} || ptr != end || ptr == text || v > max) {
        return std::nullopt;
    }
    return v;
}

// "1-21,23-79,81": calls each(lo, hi) per item.
template <typename Each>
Result<void> port_ranges(std::string_view text, Each each) {
    std::size_t start = 0;
    while (start < text.size()) {
        const auto comma = std::min(text.find(',', start), text.size());
        const std::string item(text.substr(start, comma - start));
        start = comma + 1;
        const auto dash = item.find('-');
        const auto lo = number(item.substr(0, dash).c_str(), 65535);
        const auto hi = dash == std::string::npos ? lo : number(item.substr(dash + 1).c_str(), 65535);
        if (!lo || !hi || *lo == 0 || *lo > *hi) {
            return fail(fmt::format("bad port list item '{}'", item));
        }
        each(static_cast<std::uint16_t>(*lo), static_cast<std::uint16_t>(*hi));
    }
    return {};
}

Result<PortResult> read_port(const pugi::xml_node& port) {
    PortResult p;
    const auto proto = parse_proto(port.attribute("protocol").value());
    const auto id = number(port.attribute("portid").value(), 65535);
    const pugi::xml_node state = port.child("state");
    const auto s = parse_port_state(state.attribute("state").value());
    if (!proto || !id || *id == 0 || !s) {
        return fail("a <port> needs protocol, portid and <state state=...>");
    }
    p.proto = *proto;
    p.port = static_cast<std::uint16_t>(*id);
    p.state = *s;
    p.reason = parse_reason(state.attribute("reason").value()).value_or(Reason::unknown);
    if (const auto ttl = number(state.attribute("reason_ttl").value(), 255); ttl && *ttl > 0) {
        p.reason_ttl = static_cast<std::uint8_t>(*ttl);
    }
    if (const char* ip = state.attribute("reason_ip").value(); *ip != '\0') {
        p.reason_ip = Address::parse(ip);
    }
    return p;
}

// A port listed twice (two <port>s, or in <extrareasons> too) keeps its first result.
Result<void> read_ports(const pugi::xml_node& ports, HostResult& h) {
    auto seen = std::make_unique<resultfile::PortSet>();
    for (const pugi::xml_node& port : ports.children("port")) {
        auto p = read_port(port);
        if (!p) {
            return tl::unexpected(p.error());
        }
        if (seen->insert(p->proto, p->port)) {
            h.ports.push_back(*p);
        }
    }
    for (const pugi::xml_node& extra : ports.children("extraports")) {
        const auto s = parse_port_state(extra.attribute("state").value());
        if (!s) {
            return fail(fmt::format("bad <extraports state=\"{}\">", extra.attribute("state").value()));
        }
        for (const pugi::xml_node& reasons : extra.children("extrareasons")) {
            const auto proto = parse_proto(reasons.attribute("proto").value());
            const char* list = reasons.attribute("ports").value();
            if (!proto || *list == '\0') {
                continue;  // older nmap: which ports these are is not in the file
            }
            const Reason reason = parse_reason(reasons.attribute("reason").value()).value_or(Reason::unknown);
            auto r = port_ranges(list, [&](std::uint16_t lo, std::uint16_t hi) {
                seen->add(*proto, lo, hi, [&](std::uint16_t n) {
                    h.ports.push_back(PortResult{*proto, n, *s, reason, std::nullopt, std::nullopt, std::nullopt});
                });
            });
            if (!r) {
                return r;
            }
        }
    }
    return {};
}

// Who really answered: our XML writer puts the notes in comments inside <host>.
void read_responder_comments(const pugi::xml_node& host, HostResult& h) {
    constexpr std::string_view kPrefix = " portwarden responder: ";
    for (const pugi::xml_node& node : host.children()) {
        std::string_view text = node.type() == pugi::node_comment ? node.value() : "";
        if (!text.starts_with(kPrefix)) {
            continue;
        }
        text.remove_prefix(kPrefix.size());
        if (text.ends_with(' ')) {
            text.remove_suffix(1);
        }
        ResponderReport report = h.responder.value_or(ResponderReport{});
        if (read_responder_note(text, report)) {
            h.responder = std::move(report);
        }
    }
}

Result<HostResult> read_host(const pugi::xml_node& host) {
    HostResult h;
    const std::string state = host.child("status").attribute("state").value();
    h.state = state == "up" ? HostState::up : state == "down" ? HostState::down : HostState::unknown;
    h.reason = parse_reason(host.child("status").attribute("reason").value()).value_or(Reason::unknown);
    bool have_address = false;
    for (const pugi::xml_node& a : host.children("address")) {
        const std::string type = a.attribute("addrtype").value();
        if (type == "ipv4" || type == "ipv6") {
            const auto address = Address::parse(a.attribute("addr").value());
            if (!address) {
                return fail(fmt::format("bad address '{}'", a.attribute("addr").value()));
            }
            h.address = *address;
            have_address = true;
        }
    }
    if (!have_address) {
        return fail("a <host> has no IPv4 or IPv6 <address>");
    }
    for (const pugi::xml_node& name : host.child("hostnames").children("hostname")) {
        const std::string type = name.attribute("type").value();
        (type == "PTR" ? h.ptr_name : h.hostname) = name.attribute("name").value();
    }
    if (std::string_view(host.attribute("comment").value()).rfind("incomplete", 0) == 0) {
        h.complete = false;
    }
    if (auto r = read_ports(host.child("ports"), h); !r) {
        return tl::unexpected(r.error());
    }
    read_responder_comments(host, h);
    std::sort(h.ports.begin(), h.ports.end(),
              [](const PortResult& a, const PortResult& b) { return std::pair{a.proto, a.port} < std::pair{b.proto, b.port}; });
    return h;
}

}  // namespace

Result<std::vector<HostResult>> parse_nmap_xml(std::string_view text, const std::string& path) {
    pugi::xml_document doc;
    const pugi::xml_parse_result parsed =
        doc.load_buffer(text.data(), text.size(), pugi::parse_default | pugi::parse_comments);
    if (!parsed) {
        const auto offset = static_cast<std::size_t>(std::max<std::ptrdiff_t>(parsed.offset, 0));
        const std::string_view before = text.substr(0, std::min(offset, text.size()));
        const auto line = std::count(before.begin(), before.end(), '\n') + 1;
        const auto last_nl = before.rfind('\n');
        const auto column = offset - (last_nl == std::string_view::npos ? 0 : last_nl + 1) + 1;
        return fail(fmt::format("{}:{}:{}: bad XML: {}", path, line, column, parsed.description()));
    }
    const pugi::xml_node run = doc.child("nmaprun");
    if (!run) {
        return fail(fmt::format("{}: not Nmap XML (no <nmaprun> element)", path));
    }
    std::vector<HostResult> hosts;
    std::size_t port_results = 0;
    for (const pugi::xml_node& host : run.children("host")) {
        const auto line = [&] {
            const auto offset = std::clamp<std::ptrdiff_t>(host.offset_debug(), 0, static_cast<std::ptrdiff_t>(text.size()));
            return std::count(text.begin(), text.begin() + offset, '\n') + 1;
        };
        auto h = read_host(host);
        if (!h) {
            return fail(fmt::format("{}:{}: {}", path, line(), h.error().message));
        }
        port_results += h->ports.size();
        if (port_results > kMaxPortResults) {
            return fail(fmt::format("{}:{}: more than {} port results, the limit for a result file", path, line(),
                                    kMaxPortResults));
        }
        hosts.push_back(std::move(*h));
    }
    return hosts;
}

}  // namespace portwarden

// The listener set from `ss -tuln` / `ss -Htuln` output: what an admin has at hand.
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "portwarden/firewall.hpp"
#include "portwarden/limits.hpp"
#include "portwarden/targets.hpp"

namespace portwarden::firewall {
namespace {

// "0.0.0.0:22", "[::]:53", "*:22", "127.0.0.1%lo:53", "[fd00::1]:80" -> listener (no proto).
Result<Listener> local_address(std::string_view text) {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
        return fail("no port");
    }
    std::string host(text.substr(0, colon));
    const std::string port_text(text.substr(colon + 1));
    unsigned long port = 0;
    try {
        std::size_t used = 0;
        port = std::stoul(port_text, &used);
        if (used != port_text.size() || port > 65535) {
            return fail("bad port '" + port_text + "'");
        }
    } catch (const std::exception&) {
        return fail("bad port '" + port_text + "'");
    }
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    if (const auto pct = host.find('%'); pct != std::string::npos) {
        host.resize(pct);  // bound to a device as well: the address still says where
    }
    Listener l;
    l.port = static_cast<std::uint16_t>(port);
    if (host == "*" || host == "::") {
        return l;  // every address, both families (v6 sockets take IPv4 unless v6only)
    }
    if (host == "0.0.0.0") {
        l.family = Family::v4;
        return l;
    }
    const auto a = Address::parse(host);
    if (!a) {
        return fail("bad address '" + host + "'");
    }
    l.address = a;
    return l;
}

}  // namespace

bool Listeners::listening(Proto proto, const Address& dst, std::uint16_t port) const {
    for (const auto& l : list) {
        if (l.proto == proto && l.port == port && (!l.family || *l.family == dst.family()) &&
            (!l.address || *l.address == dst)) {
            return true;
        }
    }
    return false;
}

Result<Listeners> parse_ss(std::string_view text, const std::string& source) {
    Listeners out;
    out.known = true;
    std::istringstream in{std::string(text)};
    std::string line;
    std::size_t line_no = 0;
    while (std::getline(in, line)) {
        ++line_no;
        std::istringstream words(line);
        std::vector<std::string> w;
        for (std::string s; words >> s;) {
            w.push_back(s);
        }
        if (w.empty() || w[0] == "Netid" || w[0] == "State") {
            continue;  // header
        }
        // With -t and -u together the first column is the Netid; with one of them it is absent.
        const bool netid = w[0] == "tcp" || w[0] == "udp";
        const std::size_t state = netid ? 1 : 0;
        if (w.size() < state + 5) {
            return fail(fmt::format("{}:{}: not a line of `ss -tuln` output", source, line_no));
        }
        Listener l;
        auto addr = local_address(w[state + 3]);
        if (!addr) {
            return fail(fmt::format("{}:{}: {}", source, line_no, addr.error().message));
        }
        l = *addr;
        if (netid) {
            l.proto = w[0] == "tcp" ? Proto::tcp : Proto::udp;
        } else if (w[state] == "LISTEN" || w[state] == "UNCONN") {
            l.proto = w[state] == "LISTEN" ? Proto::tcp : Proto::udp;
        } else {
            return fail(fmt::format("{}:{}: unknown socket state '{}'", source, line_no, w[state]));
        }
        if ((l.proto == Proto::tcp && w[state] != "LISTEN") || (l.proto == Proto::udp && w[state] != "UNCONN")) {
            continue;  // a connection, not a listener (ss -tuan)
        }
        out.list.push_back(l);
    }
    return out;
}

Result<Listeners> load_listeners_file(const std::string& path) {
    auto text = read_text_file(path, kListenersLimits);
    if (!text) {
        return tl::unexpected(text.error());
    }
    return parse_ss(*text, path);
}

}  // namespace portwarden::firewall

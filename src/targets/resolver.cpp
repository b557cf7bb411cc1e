// system_resolver(): getaddrinfo, IPv4 results first (nmap prefers IPv4), de-duplicated,
// cached so each name is looked up once.
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>

#include <fmt/format.h>

#include "portwarden/targets.hpp"

namespace portwarden {
namespace {

Result<std::vector<Address>> lookup(const std::string& name) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* list = nullptr;
    const int rc = getaddrinfo(name.c_str(), nullptr, &hints, &list);
    if (rc != 0) {
        return fail(fmt::format("cannot resolve '{}': {}", name, gai_strerror(rc)));
    }
    std::vector<Address> v4;
    std::vector<Address> v6;
    for (const addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
        if (ai->ai_family == AF_INET && ai->ai_addrlen >= sizeof(sockaddr_in)) {
            sockaddr_in sin{};
            std::memcpy(&sin, ai->ai_addr, sizeof sin);
            std::array<std::uint8_t, 4> bytes{};
            std::memcpy(bytes.data(), &sin.sin_addr, bytes.size());
            v4.push_back(Address::from_v4((std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) |
                                          (std::uint32_t{bytes[2]} << 8) | std::uint32_t{bytes[3]}));
        } else if (ai->ai_family == AF_INET6 && ai->ai_addrlen >= sizeof(sockaddr_in6)) {
            sockaddr_in6 sin6{};
            std::memcpy(&sin6, ai->ai_addr, sizeof sin6);
            std::array<std::uint8_t, 16> bytes{};
            std::memcpy(bytes.data(), &sin6.sin6_addr, bytes.size());
            v6.push_back(Address::from_v6(bytes));
        }
    }
    freeaddrinfo(list);
    std::vector<Address> out;
    for (const auto& address : v4) {
        if (std::find(out.begin(), out.end(), address) == out.end()) {
            out.push_back(address);
        }
    }
    for (const auto& address : v6) {
        if (std::find(out.begin(), out.end(), address) == out.end()) {
            out.push_back(address);
        }
    }
    if (out.empty()) {
        return fail(fmt::format("cannot resolve '{}': no IPv4 or IPv6 addresses", name));
    }
    return out;
}

struct ResolverCache {
    std::mutex mutex;
    std::map<std::string, Result<std::vector<Address>>> results;
};

}  // namespace

Resolver system_resolver() {
    auto cache = std::make_shared<ResolverCache>();
    return [cache](const std::string& name) -> Result<std::vector<Address>> {
        {
            const std::lock_guard lock(cache->mutex);
            if (const auto it = cache->results.find(name); it != cache->results.end()) {
                return it->second;
            }
        }
        auto result = lookup(name);
        const std::lock_guard lock(cache->mutex);
        cache->results.emplace(name, result);
        return result;
    };
}

}  // namespace portwarden

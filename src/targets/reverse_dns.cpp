// Reverse DNS for -R: the PTR name of an address, through the system resolver (getnameinfo).
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstring>

#include "portwarden/targets.hpp"

namespace portwarden {

std::string reverse_lookup(const Address& address) {
    sockaddr_storage storage{};
    socklen_t length = 0;
    if (address.is_v4()) {
        sockaddr_in sin{};
        sin.sin_family = AF_INET;
        std::memcpy(&sin.sin_addr, address.bytes().data(), 4);
        std::memcpy(&storage, &sin, sizeof sin);
        length = sizeof sin;
    } else {
        sockaddr_in6 sin6{};
        sin6.sin6_family = AF_INET6;
        std::memcpy(&sin6.sin6_addr, address.bytes().data(), 16);
        std::memcpy(&storage, &sin6, sizeof sin6);
        length = sizeof sin6;
    }
    std::array<char, NI_MAXHOST> name{};
    // sockaddr_storage is designed to be passed as a sockaddr*.
    const int rc = getnameinfo(static_cast<const sockaddr*>(static_cast<const void*>(&storage)), length,
                               name.data(), name.size(), nullptr, 0, NI_NAMEREQD);
    return rc == 0 ? std::string(name.data()) : std::string();
}

}  // namespace portwarden

// Reverse DNS for -R: the PTR name of an address, through the system resolver (getnameinfo);
// many at once, bounded, for -sL -R.
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "portwarden/targets.hpp"

namespace portwarden {

namespace {

// getnameinfo's answer for one address: the name, or why there is none.
struct Lookup {
    std::string name;
    int rc = 0;  // 0, EAI_NONAME (no PTR), EAI_AGAIN (the resolver did not answer), ...
};

Lookup lookup(const Address& address) {
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
    return Lookup{rc == 0 ? std::string(name.data()) : std::string(), rc};
}

}  // namespace

std::string reverse_lookup(const Address& address) { return lookup(address).name; }

std::vector<std::string> BulkReverseLookup::names(const std::vector<Address>& addresses) {
    std::vector<std::string> out(addresses.size());
    if (gave_up_) {
        skipped_ += addresses.size();
        return out;
    }
    std::mutex mutex;
    std::size_t next = 0;
    const auto work = [&] {
        std::unique_lock lock(mutex);
        while (!gave_up_ && next < addresses.size()) {
            const std::size_t i = next++;
            lock.unlock();
            Lookup found = lookup(addresses[i]);
            lock.lock();
            out[i] = std::move(found.name);
            if (found.rc == EAI_AGAIN || found.rc == EAI_FAIL || found.rc == EAI_SYSTEM) {
                ++unanswered_;
                if (give_up_after_ > 0 && ++streak_ >= give_up_after_) {
                    gave_up_ = true;
                }
            } else {
                streak_ = 0;
            }
        }
    };
    {
        std::vector<std::jthread> threads;
        const std::size_t n = std::min<std::size_t>(parallel_, addresses.size());
        for (std::size_t t = 1; t < n; ++t) {
            threads.emplace_back(work);
        }
        work();
    }
    skipped_ += addresses.size() - next;
    return out;
}

}  // namespace portwarden

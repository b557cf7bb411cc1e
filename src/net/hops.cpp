// Hop distance from a reply's TTL: senders start at 32, 64, 128 or 255 (nmap's guess, as in
// its traceroute and OS detection), and each router on the way takes one off.
#include <array>

#include "portwarden/results.hpp"

namespace portwarden {

std::uint8_t hops_from_ttl(std::uint8_t ttl) {
    constexpr std::array<unsigned, 4> initial{32, 64, 128, 255};
    for (const unsigned start : initial) {
        if (ttl <= start) {
            return static_cast<std::uint8_t>(start - ttl);
        }
    }
    return 0;
}

}  // namespace portwarden

#pragma once
// The ports of one host already read from a result file, per protocol, as a bitmap: a port
// listed again (a second <port>, an <extrareasons> range repeated or overlapping) is merged
// into the first result, so a host holds at most 65535 results per protocol however the file
// repeats itself. Adding a range costs one step per 64 ports.
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

#include "portwarden/state.hpp"

namespace portwarden::resultfile {

class PortSet {
public:
    // Marks lo..hi (lo <= hi) of `proto` and calls emit(port) for each port not marked before,
    // in ascending order. Returns how many were new.
    template <typename Emit>
    std::size_t add(Proto proto, std::uint16_t lo, std::uint16_t hi, Emit emit) {
        auto& words = proto == Proto::tcp ? tcp_ : udp_;
        std::size_t added = 0;
        for (std::size_t w = lo / 64U; w <= hi / 64U; ++w) {
            const std::size_t first = w * 64U;
            const std::size_t from = lo > first ? lo - first : 0;
            const std::size_t to = hi < first + 63U ? hi - first : 63U;
            const std::uint64_t mask = (~std::uint64_t{0} >> (63U - to)) & (~std::uint64_t{0} << from);
            std::uint64_t fresh = mask & ~words[w];
            words[w] |= mask;
            while (fresh != 0) {
                const auto bit = static_cast<std::size_t>(std::countr_zero(fresh));
                fresh &= fresh - 1;
                emit(static_cast<std::uint16_t>(first + bit));
                ++added;
            }
        }
        return added;
    }

    // Whether `port` of `proto` was added (and marks it).
    bool insert(Proto proto, std::uint16_t port) {
        return add(proto, port, port, [](std::uint16_t) {}) == 1;
    }

private:
    static constexpr std::size_t kWords = 65536 / 64;
    std::array<std::uint64_t, kWords> tcp_{};
    std::array<std::uint64_t, kWords> udp_{};
};

}  // namespace portwarden::resultfile

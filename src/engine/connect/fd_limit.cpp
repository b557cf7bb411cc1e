#include "engine/connect/fd_limit.hpp"

#include <sys/resource.h>

#include <algorithm>

namespace portwarden::engine {

std::size_t usable_socket_budget() {
    constexpr rlim_t wanted = rlim_t{1} << 20;
    constexpr std::size_t reserve = 64;
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
        return 256;
    }
    const rlim_t target = limit.rlim_max == RLIM_INFINITY ? wanted : std::min(limit.rlim_max, wanted);
    if (limit.rlim_cur < target) {
        rlimit raised = limit;
        raised.rlim_cur = target;
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0) {
            limit = raised;
        }
    }
    const auto have = static_cast<std::size_t>(limit.rlim_cur == RLIM_INFINITY ? wanted : limit.rlim_cur);
    return have > reserve * 2 ? have - reserve : have / 2;
}

}  // namespace portwarden::engine

#include "io/detached_close.hpp"

#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstddef>

namespace portwarden::io {

bool close_detached(std::span<const int> fds) {
    // Sorted, before the fork: the child may only make async-signal-safe calls (the parent has
    // other threads), so it gets a ready list and does nothing but system calls.
    constexpr std::size_t kMost = 16;
    std::array<unsigned, kMost> keep{};
    std::size_t count = 0;
    for (const int fd : fds) {
        if (fd < 0) {
            continue;
        }
        if (count == kMost) {
            return false;
        }
        keep[count++] = static_cast<unsigned>(fd);
    }
    if (count == 0) {
        return true;
    }
    std::sort(keep.begin(), keep.begin() + static_cast<std::ptrdiff_t>(count));
    const pid_t pid = ::fork();
    if (pid < 0) {
        return false;
    }
    if (pid == 0) {
        ::prctl(PR_SET_NAME, "pw-sock-close", 0, 0, 0);
        unsigned from = 0;
        for (std::size_t i = 0; i < count; ++i) {
            if (keep[i] > from) {
                ::close_range(from, keep[i] - 1, 0);
            }
            from = keep[i] + 1;
        }
        ::close_range(from, ~0U, 0);
        for (std::size_t i = 0; i < count; ++i) {
            ::close(static_cast<int>(keep[i]));
        }
        ::_exit(0);
    }
    return true;
}

}  // namespace portwarden::io

#include "io/detached_close.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <utility>

namespace portwarden::io {
namespace {

// The child's whole life. Async-signal-safe calls only (the parent has other threads): it keeps
// `own` and the go pipe's read end, closes everything else (its copy of the write end too),
// waits until the pipe ends (the parent's copy closed, and every other child's: so every child
// has let go of the others' sockets by then), then closes `own`, the last reference.
[[noreturn]] void child(unsigned own, unsigned go_read) {
    ::prctl(PR_SET_NAME, "pw-sock-close", 0, 0, 0);
    std::array<unsigned, 2> keep{own, go_read};
    std::sort(keep.begin(), keep.end());
    unsigned from = 0;
    for (const unsigned fd : keep) {
        if (fd > from) {
            ::close_range(from, fd - 1, 0);
        }
        from = fd + 1;
    }
    ::close_range(from, ~0U, 0);
    char byte = 0;
    while (::read(static_cast<int>(go_read), &byte, 1) < 0 && errno == EINTR) {
    }
    ::close(static_cast<int>(own));
    ::_exit(0);
}

}  // namespace

std::optional<DetachedClose> DetachedClose::start(std::span<const int> fds) {
    std::array<int, 2> go{};
    if (::pipe2(go.data(), O_CLOEXEC) != 0) {
        return std::nullopt;
    }
    DetachedClose handle(go[1]);  // from here on, every way out gives the go
    for (const int fd : fds) {
        if (fd < 0) {
            continue;
        }
        const pid_t pid = ::fork();
        if (pid == 0) {
            child(static_cast<unsigned>(fd), static_cast<unsigned>(go[0]));
        }
        if (pid < 0) {
            ::close(go[0]);
            return std::nullopt;
        }
    }
    ::close(go[0]);
    return handle;
}

DetachedClose::DetachedClose(DetachedClose&& other) noexcept : go_(std::exchange(other.go_, -1)) {}

DetachedClose& DetachedClose::operator=(DetachedClose&& other) noexcept {
    if (this != &other) {
        if (go_ >= 0) {
            ::close(go_);
        }
        go_ = std::exchange(other.go_, -1);
    }
    return *this;
}

DetachedClose::~DetachedClose() {
    if (go_ >= 0) {
        ::close(go_);
    }
}

}  // namespace portwarden::io

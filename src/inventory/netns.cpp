#include "inventory/netns.hpp"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "inventory/sock_diag.hpp"

namespace portwarden::inv {

Result<int> open_netns(const std::string& name) {
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) {
        return fail(fmt::format("bad --netns '{}': expected the name of a namespace in /run/netns "
                                "(as `ip netns list` shows it)", name));
    }
    const std::string path = "/run/netns/" + name;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        const int error = errno;
        if (error == ENOENT) {
            return fail(fmt::format("network namespace '{}' does not exist (no {}; see ip netns list)", name, path));
        }
        return fail(fmt::format("cannot open network namespace '{}' ({}): {}", name, path, std::strerror(error)));
    }
    return fd;
}

Result<void> enter_netns(int fd, const std::string& name) {
    if (::setns(fd, CLONE_NEWNET) != 0) {
        const int error = errno;
        return fail(error == EINVAL ? fmt::format("/run/netns/{} is not a network namespace", name)
                                    : fmt::format("cannot enter network namespace '{}': {}{}", name, std::strerror(error),
                                                  error == EPERM ? " (run as root)" : ""));
    }
    return {};
}

Result<std::vector<Listener>> dump_in_netns(const std::string& name) {
    return in_netns(name, [] { return dump_sockets(); });
}

}  // namespace portwarden::inv

#pragma once
// The socket dump of a named network namespace (/run/netns/NAME, as `ip netns add` makes it),
// taken on a short-lived thread that enters it: the process's own namespace stays untouched.
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "portwarden/error.hpp"
#include "portwarden/inventory.hpp"

namespace portwarden::inv {

// Opens /run/netns/NAME (O_RDONLY); a one-line error for a bad name or a missing namespace.
Result<int> open_netns(const std::string& name);

// setns() into the namespace open at `fd` (named `name` in the error); this thread only.
Result<void> enter_netns(int fd, const std::string& name);

// Runs `work` (returning a Result) on a thread that entered the named namespace; setns() moves
// only that thread, which ends with the work.
template <class Work>
auto in_netns(const std::string& name, Work work) -> decltype(work()) {
    const auto fd = open_netns(name);
    if (!fd) {
        return tl::unexpected(fd.error());
    }
    decltype(work()) result = fail("");
    std::thread worker([&] {
        if (const auto entered = enter_netns(*fd, name); !entered) {
            result = tl::unexpected(entered.error());
            return;
        }
        result = work();
    });
    worker.join();
    ::close(*fd);
    return result;
}

Result<std::vector<Listener>> dump_in_netns(const std::string& name);

}  // namespace portwarden::inv

#pragma once
// The processes that hold each listener's socket: /proc/PID/fd links "socket:[INODE]" (how
// `ss -p` finds them), with each process's command, user and cgroup place.
#include <vector>

#include "portwarden/error.hpp"
#include "portwarden/inventory.hpp"

namespace portwarden::inv {

// Fills Listener::processes (sorted by pid). Fails when a listener has no owner found while
// some process's descriptors could not be read (no permission: its owner may be hidden).
Result<void> attach_owners(std::vector<Listener>& listeners);

}  // namespace portwarden::inv

#pragma once
// The listening sockets of the calling thread's network namespace, from sock_diag netlink
// (inet_diag): TCP in LISTEN, UDP bound and unconnected (ss's UNCONN), IPv4 and IPv6.
#include <vector>

#include "portwarden/error.hpp"
#include "portwarden/inventory.hpp"

namespace portwarden::inv {

// Every listener without its processes (inode, uid, v6only and bound device filled in;
// device names are looked up in the calling thread's namespace).
Result<std::vector<Listener>> dump_sockets();

}  // namespace portwarden::inv

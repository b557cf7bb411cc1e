#pragma once
// The last close of a packet socket waits for kernel RCU grace periods: packet_release() calls
// synchronize_net() once, and once more to free a receive ring (~10-17 ms each here). That wait
// uses no CPU, but a command that closes its sockets last before exiting makes its user wait for
// it. close_detached() hands the final close to a short-lived child process instead.
#include <span>

namespace portwarden::io {

// Forks a child that first closes every descriptor it inherited except `fds` (so it holds no
// pipe, terminal or output file open: a reader of our output sees its end when we close ours),
// then closes `fds` and exits. The caller then closes its own copies of `fds`, which no longer
// wait, since the child holds the last references. Returns false, having done nothing, when the
// fork fails: the caller closes them itself, as usual.
//
// For a process that exits soon after (one command-line run): the child outlives it by the
// grace periods and is reaped by whoever adopts it. Not for a library or a long-running process,
// which would collect a zombie child per call.
bool close_detached(std::span<const int> fds);

}  // namespace portwarden::io

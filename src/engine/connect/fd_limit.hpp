#pragma once
#include <cstddef>

namespace portwarden::engine {

// Raises RLIMIT_NOFILE's soft limit to the hard limit and returns how many sockets a scan may
// keep open at once (the limit less a reserve for output files and the like).
std::size_t usable_socket_budget();

}  // namespace portwarden::engine

#pragma once
// The socket dump of a named network namespace (/run/netns/NAME, as `ip netns add` makes it),
// taken on a short-lived thread that enters it: the process's own namespace stays untouched.
#include <string>
#include <vector>

#include "portwarden/error.hpp"
#include "portwarden/inventory.hpp"

namespace portwarden::inv {

// Opens /run/netns/NAME (O_RDONLY); a one-line error for a bad name or a missing namespace.
Result<int> open_netns(const std::string& name);

Result<std::vector<Listener>> dump_in_netns(const std::string& name);

}  // namespace portwarden::inv

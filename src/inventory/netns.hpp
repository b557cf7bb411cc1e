#pragma once
// The socket dump of a named network namespace (/run/netns/NAME, as `ip netns add` makes it),
// taken on a short-lived thread that enters it: the process's own namespace stays untouched.
#include <string>
#include <vector>

#include "portwarden/error.hpp"
#include "portwarden/inventory.hpp"

namespace portwarden::inv {

Result<std::vector<Listener>> dump_in_netns(const std::string& name);

}  // namespace portwarden::inv

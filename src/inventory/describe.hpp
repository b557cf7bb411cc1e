#pragma once
// How a listener is named in reports and messages.
#include <string>

#include "portwarden/inventory.hpp"

namespace portwarden::inv {

// "0.0.0.0:22", "[::]:22", "127.0.0.53%lo:53" (the bound device after %).
std::string endpoint(const Listener& l);
// "sshd pid 812 user root" (and "+2 more"), or "no process".
std::string owners_text(const Listener& l);

}  // namespace portwarden::inv

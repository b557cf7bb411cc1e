// inventory(): the listeners of a namespace with their owners (portwarden/inventory.hpp).
#include <algorithm>
#include <tuple>

#include "inventory/netns.hpp"
#include "inventory/owners.hpp"
#include "inventory/sock_diag.hpp"
#include "portwarden/inventory.hpp"

namespace portwarden {

Result<std::vector<Listener>> inventory(const InventoryOptions& options) {
    auto listeners = options.netns.empty() ? inv::dump_sockets() : inv::dump_in_netns(options.netns);
    if (!listeners) {
        return tl::unexpected(listeners.error());
    }
    if (auto owners = inv::attach_owners(*listeners); !owners) {
        return tl::unexpected(owners.error());
    }
    std::sort(listeners->begin(), listeners->end(), [](const Listener& a, const Listener& b) {
        return std::tie(a.proto, a.address, a.port, a.inode) < std::tie(b.proto, b.address, b.port, b.inode);
    });
    return listeners;
}

}  // namespace portwarden

// Example for library users: this machine's listening sockets (or a named namespace's), with
// their owners and the interface addresses a wildcard listener answers on.
//   list_listeners [NETNS]
// Exit 0, or 2 when the sockets cannot be read (a missing namespace, no permission).
#include <cstdio>
#include <string>

#include <portwarden/inventory.hpp>

int main(int argc, char** argv) {
    const std::string netns = argc >= 2 ? argv[1] : "";
    const auto listeners = portwarden::inventory(portwarden::InventoryOptions{netns});
    const auto addresses = portwarden::host_addresses(netns);
    if (!listeners || !addresses) {
        std::fprintf(stderr, "list_listeners: %s\n",
                     (!listeners ? listeners.error() : addresses.error()).message.c_str());
        return 2;
    }
    for (const portwarden::Listener& l : *listeners) {
        const std::string owner = l.processes.empty() ? "-" : l.processes.front().command;
        std::printf("%s %s port %u (%s) %s\n", std::string(portwarden::to_string(l.proto)).c_str(),
                    l.address.to_string().c_str(), l.port, std::string(portwarden::to_string(l.bind)).c_str(),
                    owner.c_str());
    }
    std::printf("%zu listeners; addresses:", listeners->size());
    for (const portwarden::Address& a : *addresses) {
        std::printf(" %s", a.to_string().c_str());
    }
    std::printf("\n");
    return 0;
}

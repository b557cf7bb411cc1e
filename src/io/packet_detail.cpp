// The helpers of packet_detail.hpp, shared by packet_tx.cpp and packet_rx.cpp.
#include "io/packet_detail.hpp"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace portwarden::io {

namespace detail {

std::string interface_name(int ifindex) {
    std::array<char, IF_NAMESIZE> name{};
    if (ifindex > 0 && ::if_indextoname(static_cast<unsigned>(ifindex), name.data()) != nullptr) {
        return std::string(name.data());
    }
    return "interface " + std::to_string(ifindex);
}

std::string socket_error(int ifindex, const std::string& step, int error) {
    const std::string where = ifindex == 0 ? std::string("raw socket: ")
                                           : "raw socket on " + interface_name(ifindex) + ": ";
    if (error == EPERM || error == EACCES) {
        return where + "permission denied: raw sockets need CAP_NET_RAW";
    }
    return where + step + ": " + std::strerror(error);
}

Result<int> open_packet_socket(int ifindex, int type) {
    const int fd = ::socket(AF_PACKET, type | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return fail(socket_error(ifindex, "socket", errno));
    }
    return fd;
}

Result<bool> bind_packet_socket(int fd, int ifindex, std::uint16_t protocol) {
    sockaddr_ll address{};
    address.sll_family = AF_PACKET;
    address.sll_protocol = htons(protocol);
    address.sll_ifindex = ifindex;
    const sockaddr* generic = static_cast<const sockaddr*>(static_cast<const void*>(&address));
    if (::bind(fd, generic, sizeof(address)) != 0) {
        return fail(socket_error(ifindex, "bind", errno));
    }
    return true;
}

bool set_int_option(int fd, int level, int name, int value) {
    return ::setsockopt(fd, level, name, &value, sizeof(value)) == 0;
}

}  // namespace detail

}  // namespace portwarden::io

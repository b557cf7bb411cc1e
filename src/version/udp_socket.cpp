#include "version/udp_socket.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include "io/connect_socket.hpp"

namespace portwarden::version {

int open_udp_probe(const Address& address, std::uint16_t port, std::string_view payload) {
    const int fd = socket(address.is_v4() ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    const io::ConnectStart st = io::start_connect(fd, address, port);  // UDP: at once, no packet
    if (st.status != io::ConnectStatus::done || st.error != 0 ||
        send(fd, payload.data(), payload.size(), MSG_NOSIGNAL) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

}  // namespace portwarden::version

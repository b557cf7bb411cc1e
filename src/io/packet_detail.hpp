#pragma once
// Helpers shared by the AF_PACKET transmit and receive sockets (packet_tx.cpp, packet_rx.cpp).
#include <cstdint>
#include <string>

#include "portwarden/error.hpp"

namespace portwarden::io::detail {

// "veth0" (or "interface 7" when the index names nothing).
std::string interface_name(int ifindex);

// A one-line error for a failed step on the interface's raw socket, from errno `error`;
// EPERM/EACCES become "permission denied: raw sockets need CAP_NET_RAW". Interface 0 (a socket
// not yet bound to one): "raw socket: ...".
std::string socket_error(int ifindex, const std::string& step, int error);

// socket(AF_PACKET, type | SOCK_CLOEXEC, protocol 0): a socket that receives nothing until it
// is bound with a protocol. Returns the descriptor or an error naming the interface.
Result<int> open_packet_socket(int ifindex, int type);

// Binds to the interface for `protocol` (host order ethertype; 0: transmit only).
Result<bool> bind_packet_socket(int fd, int ifindex, std::uint16_t protocol);

// Sets an int socket option; false (errno set) on failure.
bool set_int_option(int fd, int level, int name, int value);

}  // namespace portwarden::io::detail

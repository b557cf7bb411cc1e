#pragma once
// One non-blocking TCP connect() probe. The socket asks the kernel to queue ICMP errors
// (IP_RECVERR / IPV6_RECVERR), so a refused connection can be told apart: a RST from the host
// (closed) or an ICMP port-unreachable / admin-prohibited from a firewall (filtered), with the
// address that sent it. Plain errno would call both "connection refused".
#include <cstdint>
#include <optional>

#include "portwarden/address.hpp"
#include "portwarden/classify.hpp"

namespace portwarden::io {

struct IcmpError {
    IcmpVersion version = IcmpVersion::v4;
    std::uint8_t type = 0;
    std::uint8_t code = 0;
    std::optional<Address> offender;  // who sent the ICMP error
};

enum class ConnectStatus : std::uint8_t {
    in_progress,  // wait for the socket to become writable / report an error
    done,         // finished at once; see error
    local_error,  // could not even start (fd/port exhaustion, ...): retry later
};

struct ConnectStart {
    ConnectStatus status = ConnectStatus::in_progress;
    int error = 0;   // errno for done (0 = connected) and local_error
};

// A non-blocking TCP socket set up for probing (ICMP errors queued, one SYN per attempt, RST on
// close). Returns -1 and sets errno when the system has no socket to give.
int open_probe_socket(Family family);

// Starts connecting `fd` (of the address's family, unconnected) to address:port.
ConnectStart start_connect(int fd, const Address& address, std::uint16_t port);

// Dissolves the socket's association (connect(AF_UNSPEC)) so it can probe again: an established
// connection is reset with a RST, a pending one dropped. Each new connect takes a new source
// port, so late replies to an earlier probe can never reach the next one. False: close it.
bool reset_for_reuse(int fd);

// Clears a pending socket error and any queued ICMP errors (for a socket whose last probe was
// not settled by reading them: a time-out, or a connection that succeeded).
void drain_errors(int fd);

// After the socket reported readiness: 0 when connected, else the errno (SO_ERROR).
// Returns -1 (not an errno) while the connection is still in progress.
int finish_status(int fd);

// Reads one queued ICMP error for the socket, if the kernel recorded one.
std::optional<IcmpError> read_icmp_error(int fd);

// True when the connection ended up connected to itself (local port == remote port on the
// same address: a TCP simultaneous open on loopback), which must not count as open.
bool is_self_connect(int fd);

// Closes with an immediate RST (SO_LINGER 0) so no TIME_WAIT piles up.
void abort_close(int fd);

}  // namespace portwarden::io

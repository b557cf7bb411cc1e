#pragma once
// Shared pieces of the io tests: the namespace details run_io_tests.sh passes in PWIO_*
// variables, entering the peer namespace, building probe frames, collecting received frames.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "io/packet_socket.hpp"
#include "net/templates.hpp"
#include "portwarden/address.hpp"
#include "portwarden/error.hpp"

namespace portwarden::iotest {

using namespace std::chrono_literals;

// The value of PWIO_<name> (checked present by main()).
std::string env(const char* name);
Address addr(const std::string& text);
int ifindex(const std::string& ifname);
net::MacAddress mac(const std::string& text);

// Runs a shell command (ip neigh ...) in the test's namespace; its exit status.
int shell(const std::string& command);

// Enters the named namespace (/var/run/netns/NAME) for this thread until destroyed. Sockets
// opened meanwhile stay in that namespace.
class InNamespace {
public:
    explicit InNamespace(const std::string& name);
    InNamespace(const InNamespace&) = delete;
    InNamespace& operator=(const InNamespace&) = delete;
    ~InNamespace();
    bool ok() const { return ok_; }

private:
    int home_ = -1;
    bool ok_ = false;
};

// RxSocket::open on the peer namespace's veth (PWIO_B_IF), inside that namespace (NETNS_B).
Result<io::RxSocket> open_on_peer(const std::string& filter, const io::RxOptions& options);

struct Probe {
    Address src;
    Address dst;
    std::uint16_t sport = 0;
    std::uint16_t dport = 0;
    std::uint32_t seq = 0;
    std::uint8_t protocol = 6;  // TCP SYN, or UDP with `payload`
    std::vector<std::uint8_t> payload;
    std::optional<net::EthernetAddresses> ethernet;  // none: the frame starts at IP
};
// One complete frame built with net::ProbeTemplate.
std::vector<std::uint8_t> frame(const Probe& probe);

// Polls `rx` until `enough` frames arrived or `limit` passed; copies of the frames.
std::vector<std::vector<std::uint8_t>> collect(io::RxSocket& rx, std::size_t enough,
                                               std::chrono::milliseconds limit);

}  // namespace portwarden::iotest

#pragma once
// The listener inventory: every listening TCP socket and bound (unconnected) UDP socket of a
// network namespace, IPv4 and IPv6, read from the kernel over sock_diag netlink (inet_diag),
// with its owning processes (/proc/PID/fd), their user and systemd unit or container (from
// /proc/PID/cgroup), and an exposure verdict. Reads only: no packet is sent.
// README "portwarden inventory" describes the fields and the `may_listen` policy rules.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "portwarden/address.hpp"
#include "portwarden/audit.hpp"
#include "portwarden/bind_kind.hpp"
#include "portwarden/error.hpp"
#include "portwarden/state.hpp"

namespace portwarden {

namespace firewall {
struct Ruleset;
}

// Who can reach the listener. `local_only`: bound to loopback. With a firewall ruleset
// (join_firewall): `exposed` (the ruleset accepts a probe from another host), `firewalled`
// (it drops or rejects it). `unknown`: no ruleset given, or the model cannot decide.
enum class Exposure : std::uint8_t { unknown, local_only, exposed, firewalled };
std::string_view to_string(Exposure e);  // "unknown", "local-only", "exposed", "firewalled"

// A container runtime and id, from the cgroup path ("docker", "0123abcd...").
struct Container {
    std::string runtime;
    std::string id;
    friend bool operator==(const Container&, const Container&) = default;
};

// Where a process sits in the cgroup tree: its systemd unit ("ssh.service", "session-2.scope")
// and its container, when there is one.
struct CgroupPlace {
    std::string path;                 // the unified (v2) path, or the name=systemd (v1) one
    std::optional<std::string> unit;
    std::optional<Container> container;
};
// Reads /proc/PID/cgroup text. Never fails: an unknown layout gives the path and no unit.
CgroupPlace parse_cgroup(std::string_view text);

// A process holding the socket (a forked server: several).
struct ListenerProcess {
    std::int32_t pid = 0;
    std::string command;              // /proc/PID/comm, as `ss -p` shows it
    std::uint32_t uid = 0;            // effective uid
    std::string user;                 // its name, or the number when it has none
    std::optional<std::string> unit;
    std::optional<Container> container;
};

struct Listener {
    Proto proto = Proto::tcp;
    Address address;                  // the bound address (0.0.0.0, ::, or one address)
    std::uint16_t port = 0;
    BindKind bind = BindKind::wildcard;
    std::optional<bool> v6only;       // IPV6_V6ONLY, for IPv6 sockets only
    std::optional<std::string> device;  // SO_BINDTODEVICE interface, when bound to one
    std::uint32_t socket_uid = 0;     // the socket's owner (inet_diag idiag_uid)
    std::uint64_t inode = 0;
    std::vector<ListenerProcess> processes;  // empty: no process holds it (a kernel socket)
    Exposure exposure = Exposure::unknown;
    std::string exposure_rule;        // with a ruleset: the deciding rule or policy, or why unknown
    std::vector<Address> exposed_on;  // with a ruleset: the addresses the ruleset accepts it on
};

// The bind kind of an address (device: the interface the socket is bound to, if any).
BindKind classify_bind(const Address& address, std::optional<std::string_view> device = {});
// The exposure as far as it is known without a firewall model.
Exposure exposure_without_firewall(const Listener& listener);

// The firewall join: each non-loopback listener's exposure is the model's prediction
// (firewall::decide) for a SYN (TCP) or UDP probe from another host (any source, interface
// not lo) to its address and port; a wildcard address stands for the host's addresses, and a
// dual-stack socket is exposed when either family is. Loopback listeners stay local-only.
// `host_addresses` (host_addresses()): a wildcard listener is asked of the model once per
// non-loopback address of its family (exposed when one is accepted; `exposed_on` lists them);
// without them, once for 0.0.0.0 / ::.
void join_firewall(std::vector<Listener>& listeners, const firewall::Ruleset& rules,
                   const std::vector<Address>& host_addresses = {});

// The addresses of the interfaces of a named network namespace (empty: this one), from an
// RTM_GETADDR netlink dump; loopback included.
Result<std::vector<Address>> host_addresses(const std::string& netns = "");

// A port the ruleset accepts (by a rule naming that destination port, not a chain's policy)
// where nothing listens outside loopback.
struct IdlePort {
    Proto proto = Proto::tcp;
    Family family = Family::v4;
    std::uint16_t port = 0;
    std::string rule;                 // firewall::describe of the accepting decision
};
// Candidates: the ports of the ruleset's `dport` matches (ranges of up to 256 ports), each
// asked of the model for TCP and UDP, IPv4 and IPv6.
std::vector<IdlePort> accepted_without_listener(const std::vector<Listener>& listeners,
                                                const firewall::Ruleset& rules);

struct InventoryOptions {
    // A named network namespace (/run/netns/NAME, as `ip netns` makes them); empty: our own.
    // The dump runs on a short-lived thread that enters it; the process's own stays untouched.
    std::string netns;
};

// Every listener, sorted by (proto, address, port, inode). Errors (one line): a missing
// namespace, no permission to enter it or to read a process's descriptors (run as root),
// a netlink failure.
Result<std::vector<Listener>> inventory(const InventoryOptions& options = {});

// One listener that no `may_listen` rule of the policy allows (rule PW006, unexpected-listener).
struct ListenerViolation {
    Listener listener;
    std::string message;              // one line
};
// The listeners the policy's `may_listen` rules do not allow.
std::vector<ListenerViolation> check_listeners(const audit::Policy& policy,
                                               const std::vector<Listener>& listeners);
// Does this rule allow this listener?
bool allows(const audit::ListenRule& rule, const Listener& listener);

// Reports: a table (proto, address:port, bind, process, user, unit, exposure, and the
// violations when a policy was checked) and one JSON document (README lists the fields).
// `idle`: with a ruleset, the accepted ports where nothing listens.
std::string render_inventory_text(const std::vector<Listener>& listeners,
                                  const std::vector<ListenerViolation>* violations = nullptr,
                                  const std::vector<IdlePort>* idle = nullptr);
std::string render_inventory_json(const std::vector<Listener>& listeners, const std::string& netns,
                                  const audit::Policy* policy = nullptr,
                                  const std::vector<ListenerViolation>* violations = nullptr,
                                  const std::vector<IdlePort>* idle = nullptr);

}  // namespace portwarden

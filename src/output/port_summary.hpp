#pragma once
// nmap's "ignored states" rule, shared by the text, XML and grepable writers: which port
// states are collapsed into "Not shown: ..." / <extraports>, in which order, with which
// reason groups (nmap 7.93 portlist.cc isIgnoredState/nextIgnoredState, portreasons.cc
// get_state_reason_summary).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "portwarden/results.hpp"
#include "portwarden/state.hpp"

namespace portwarden::output {

// Ports of one collapsed state that share a reason and a protocol.
struct ReasonGroup {
    Reason reason = Reason::unknown;
    Proto proto = Proto::tcp;
    std::vector<std::uint16_t> ports;  // ascending
};

struct IgnoredState {
    PortState state = PortState::closed;
    std::size_t count = 0;            // ports in this state (all protocols)
    std::vector<ReasonGroup> groups;  // nmap's order: most ports first
};

struct PortSummary {
    std::size_t total = 0;                  // port results of the host
    std::size_t ignored_total = 0;          // ports inside `ignored`
    std::vector<IgnoredState> ignored;      // most ports first; ties by nmap's state number
    std::vector<const PortResult*> shown;   // the table rows, sorted by (proto, port)
    bool has_open_ports = false;            // open, open|filtered or unfiltered (nmap hasOpenPorts)
    bool all_ignored() const { return total > 0 && ignored_total == total; }
};

struct IgnoreRule {
    bool open_only = false;  // --open
    int verbosity = 0;       // -v raises the 25-port threshold: 25 * (verbosity + 1)
    bool ping_only = false;  // -sn: no ports, so --open hides no host that is up
};

// nmap's "possibly open" states (--open shows them, hasOpenPorts counts them): open,
// open|filtered and unfiltered.
bool possibly_open(PortState s);

// The returned summary points into host.ports: keep `host` alive while using it.
PortSummary summarize_ports(const HostResult& host, IgnoreRule rule);

// nmap's choice of the hosts a report shows (nmap.cc): a down host only with -v, and not when
// --open leaves it nothing to show; a host that is up unless --open finds no possibly-open
// port on it (with -sn always).
bool host_shown(const HostResult& host, const PortSummary& summary, IgnoreRule rule);

}  // namespace portwarden::output

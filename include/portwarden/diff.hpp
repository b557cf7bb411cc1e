#pragma once
// Comparing two scans (ndiff's job): which hosts changed status and which ports changed state,
// from result files (our JSON Lines, any Nmap XML) or stored history scans.
#include <optional>
#include <string>
#include <vector>

#include "portwarden/results.hpp"

namespace portwarden {

struct PortSide {
    PortState state = PortState::filtered;
    Reason reason = Reason::unknown;
};

struct PortDiff {
    Proto proto = Proto::tcp;
    std::uint16_t port = 0;
    PortSide a;
    PortSide b;
};

struct HostDiff {
    Address address;
    std::optional<HostState> a;  // nullopt: the host is not in that result
    std::optional<HostState> b;
    std::vector<PortDiff> ports;  // sorted by (proto, port)
    // Ports listed on one side only (that side scanned them, the other did not, or left them
    // out): not compared, only counted.
    std::size_t one_sided_ports = 0;
};

struct ScanDiff {
    std::vector<HostDiff> hosts;  // only hosts with a change, sorted by address
    bool different() const { return !hosts.empty(); }
};

// A port differs when both sides have it and its state differs; a port only one side has was
// not scanned by the other (or not listed: nmap leaves most closed ports out) and is no change,
// so two scans of different port ranges differ only where they overlap. Reasons are shown but
// do not make a difference on their own (nmap's and ours word the same answer alike, but a
// firewall's reply may be worded differently by other tools), as ndiff does.
ScanDiff diff_scans(const std::vector<HostResult>& a, const std::vector<HostResult>& b);

// ndiff-like text ("-" lines are A, "+" lines B) and JSON.
std::string render_diff_text(const ScanDiff& diff, const std::string& a_name, const std::string& b_name);
std::string render_diff_json(const ScanDiff& diff, const std::string& a_name, const std::string& b_name);

}  // namespace portwarden

#pragma once
// Firewall log lines as the kernel writes them for iptables `-j LOG` and nftables `log`
// (nf_log_syslog: "PREFIX IN=eth0 OUT= MAC=... SRC=... DST=... LEN=... TTL=... ID=... PROTO=TCP
// SPT=... DPT=... WINDOW=... RES=0x00 SYN URGP=0 [OPT (...)]"), read from dmesg, journald
// (`journalctl -k -o cat`), syslog files or anything that carries those fields.
#include <optional>
#include <string_view>

#include "portwarden/watch.hpp"

namespace portwarden::watch {

struct LoggedPacket {
    Probe probe;
    // The rule's verdict as its prefix names it: a prefix containing "accept" or "allow" (any
    // case) logged an accepted packet (a success); any other prefix a dropped or rejected one.
    bool accepted = false;
    bool has_time = false;  // the line carried the kernel's "[seconds.micros]" stamp (probe.time)
};

// nullopt: not a firewall log line (no IN=, SRC=, DST= and PROTO=, or an address that does not
// parse). Protocols other than TCP, UDP, ICMP and ICMPv6 are returned with their number.
std::optional<LoggedPacket> parse_log_line(std::string_view line);

}  // namespace portwarden::watch

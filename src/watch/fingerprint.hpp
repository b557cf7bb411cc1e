#pragma once
// What one probe says about how it was made: the scan technique its flags / protocol show, and
// the tool, where the probe carries a documented fingerprint (see fingerprint.cpp).
#include "portwarden/watch.hpp"

namespace portwarden::watch {

// The technique a single inbound packet belongs to, or unknown (ordinary mid-connection traffic:
// ACK with data, FIN|ACK closes, ...; those never vote).
Technique probe_technique(const Probe& probe);

// The tool whose fingerprint the packet carries, or unknown. Only SYN/FIN/NULL/Xmas/ACK probes
// made by raw-socket scanners are recognised.
Tool probe_tool(const Probe& probe);

// True for a SYN whose fingerprint alone names the tool beyond reasonable doubt: masscan's IP ID
// (dst ^ port ^ seq) or zmap's fixed IP ID 54321 with window 65535, on an option-less SYN (every
// operating system's SYN carries options), so one such probe is a scan probe.
bool definite_tool(const Probe& probe);

// True for a TCP SYN made by an operating system's stack (connect()): it carries the options
// a kernel sends (SACK-permitted, timestamps or window scale), which raw scanners' SYNs do not.
bool os_stack_syn(const Probe& probe);

}  // namespace portwarden::watch

#pragma once
// -sV in normal output: the VERSION cell of a port, the unrecognised services' fingerprints
// and the host's "Service Info:" line.
#include <string>

#include "portwarden/results.hpp"
#include "portwarden/version.hpp"

namespace portwarden::output {

// "OpenSSH 9.2p1 Debian 2+deb12u3 (protocol 2.0)": product, version, (extrainfo).
std::string version_cell(const ServiceInfo& s);

// "Service Info: Host: h; OS: Linux; CPE: cpe:/o:linux:linux_kernel\n" from the host's probed
// ports (hostnames, OS types, device types, the h and o CPEs, each once), or "" if none.
std::string service_info_line(const HostResult& host, const ServiceFindings& found);

// nmap's block for the ports that answered but were not recognised: "1 service unrecognized
// despite returning data. ..." and each service fingerprint (at most 9, as nmap), or "".
std::string fingerprint_block(const HostResult& host, const ServiceFindings& found);

}  // namespace portwarden::output

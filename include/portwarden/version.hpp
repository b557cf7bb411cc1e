#pragma once
// Service and version detection (-sV): nmap's nmap-service-probes database, read from the
// installed nmap, and the probing of open TCP and UDP ports with it (src/version/), through
// TLS when a probe finds SSL (nmap's ssl tunnel).
#include <cstdint>
#include <map>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "portwarden/error.hpp"
#include "portwarden/results.hpp"

namespace portwarden {

namespace version {
struct ProbeDb;
}

// What service/version detection found on a port: nmap's <service> element. Fields are empty
// when the matching rule did not give them.
struct ServiceInfo {
    // "ssh", "http", ... ("tcpwrapped" when the peer hung up at once); empty when no probe
    // recognised the port, which answered though: then only servicefp is set
    std::string name;
    std::string product;     // p/ "OpenSSH"
    std::string version;     // v/ "9.2p1 Debian 2+deb12u3"
    std::string extrainfo;   // i/ "protocol 2.0"
    std::string hostname;    // h/
    std::string ostype;      // o/ "Linux"
    std::string devicetype;  // d/
    std::vector<std::string> cpes;  // "cpe:/a:openbsd:openssh:9.2p1": one per part, a, h, o
    std::string tunnel;      // "ssl": the probes that named the service ran inside TLS
    // nmap's service fingerprint ("SF-Port8888-TCP:V=...%r(NULL,...);", lines joined by
    // "\nSF:"): the responses no match line recognised (no hard match, intensity >= 7)
    std::string servicefp;
    std::uint8_t conf = 10;  // nmap's confidence: 10 for a match, 8 for tcpwrapped
};

// The findings of a -sV run, by (address, protocol, port).
class ServiceFindings {
public:
    void add(const Address& address, Proto proto, std::uint16_t port, ServiceInfo info);
    const ServiceInfo* find(const Address& address, Proto proto, std::uint16_t port) const;
    std::size_t size() const { return found_.size(); }
    // Every finding, by address text then protocol and port.
    struct Entry {
        Address address;
        Proto proto = Proto::tcp;
        std::uint16_t port = 0;
        const ServiceInfo* info = nullptr;
    };
    std::vector<Entry> entries() const;

private:
    std::map<std::pair<std::string, std::uint32_t>, ServiceInfo> found_;
};

// The parsed probes file. Cheap to move; shared by the probing of every port.
class ServiceProbes {
public:
    // Reads and compiles nmap's probes file (the default: /usr/share/nmap/nmap-service-probes).
    // A line the parser cannot read is an error naming file and line; a pattern PCRE2 rejects
    // is left out and counted (skipped_patterns()).
    static Result<ServiceProbes> load(const std::string& path);
    static Result<ServiceProbes> parse(std::string_view text, const std::string& name);
    static const char* default_path();

    std::size_t probe_count() const;
    std::size_t match_count() const;
    std::size_t skipped_patterns() const;
    const version::ProbeDb& db() const { return *db_; }

private:
    std::shared_ptr<const version::ProbeDb> db_;
};

struct VersionOptions {
    int intensity = 7;          // --version-intensity 0-9: probes of higher rarity are left out
    std::size_t parallel = 64;  // ports probed at the same time
    std::stop_token stop;       // requested: the probing ends at once with what it has found
};

// Probes every open TCP port and every open or open|filtered UDP port of `hosts` (TCP over
// connections, through TLS once a probe found SSL; UDP over a connected socket); the findings
// are the ports a match line or softmatch identified, or that answered unrecognised
// (servicefp only). A UDP port that answered a probe is open (reason udp-response), as in
// nmap: `hosts` is updated. Blocks until all are done: each port takes at most the sum of its
// probes' wait times.
ServiceFindings detect_versions(std::vector<HostResult>& hosts, const ServiceProbes& probes,
                                const VersionOptions& options);

}  // namespace portwarden

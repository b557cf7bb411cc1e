#pragma once
// nmap-service-probes as data: probes in file order, each with its match lines.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "portwarden/state.hpp"
#include "version/regex.hpp"

namespace portwarden::version {

// The p/ v/ i/ h/ o/ d/ and cpe:/ templates of a match line, $1.. not yet substituted.
struct Templates {
    std::string product, version, info, hostname, ostype, devicetype;
    std::vector<std::string> cpes;  // without the "cpe:/" prefix: "a:openbsd:openssh:$1"
};

struct MatchRule {
    std::string service;
    bool soft = false;
    Regex regex;
    Templates templates;
    std::size_t line = 0;
    std::string regex_error;  // set when PCRE2 rejected the pattern (the rule is then unusable)
};

using PortRanges = std::vector<std::pair<std::uint16_t, std::uint16_t>>;

struct Probe {
    Proto proto = Proto::tcp;
    std::string name;
    std::string payload;  // unescaped bytes of q|...|
    PortRanges ports;
    PortRanges sslports;
    int rarity = 5;            // nmap's default for a probe without a rarity line
    int totalwaitms = 5000;    // nmap's DEFAULT_SERVICEWAITMS
    int tcpwrappedms = 3000;
    std::vector<std::string> fallback_names;
    std::vector<std::size_t> fallbacks;  // indices into ProbeDb::probes, resolved after parsing
    std::vector<MatchRule> matches;
    std::vector<std::string> services;  // the services its matches can name (for softmatch)
};

struct ProbeDb {
    std::vector<Probe> probes;  // file order
    std::optional<std::size_t> null_probe;
    PortRanges excluded_tcp, excluded_udp;
    std::size_t skipped_patterns = 0;
};

bool in_ranges(const PortRanges& ranges, std::uint16_t port);

}  // namespace portwarden::version

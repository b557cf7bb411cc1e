#pragma once
// The values of `scan` flags that CLI11 would take as they come: counts, rates and the seed
// are read here, so every value out of range is one line naming it (exit 2) instead of a
// silent default, a wrapped number or a scan that never sends.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "portwarden/error.hpp"
#include "portwarden/scan.hpp"

namespace portwarden::cli {

// --top-ports N: 1-65535.
Result<std::size_t> parse_top_ports(const std::string& text);
// --max-rate / --min-rate: probes per second, finite, 0.001 to 1e9.
Result<double> parse_rate(std::string_view flag, const std::string& text);
// --seed: 0 to 2^64-1 (0: a random seed).
Result<std::uint64_t> parse_seed(const std::string& text);
// --max-retries: 0-100.
Result<int> parse_max_retries(const std::string& text);
// A -p spec whose T:/U: part names a protocol the scan types do not scan (those ports would
// be dropped without a word): -p T:22,U:53 without -sU. `technique`: the first scan type.
Result<void> check_port_prefixes(std::string_view spec, Technique technique, PortProtocols scanned);

// The scan types of a run (-sS, -sU, --technique=NAME; repeats allowed), as nmap takes them: at
// most one TCP type, plus -sU. None given: `fallback` alone.
struct ScanTypes {
    Technique technique = Technique::syn;  // the TCP type, or udp for -sU alone
    bool with_udp = false;                 // -sU with a TCP type (ScanRequest::with_udp)
    PortProtocols protocols() const {
        return PortProtocols{technique != Technique::udp, technique == Technique::udp || with_udp};
    }
};
Result<ScanTypes> parse_scan_types(const std::vector<std::string>& names, Technique fallback);
// "syn", "udp", "syn+udp": the history's and the shard label's name of the scan types.
std::string scan_types_name(const ScanTypes& types);

}  // namespace portwarden::cli

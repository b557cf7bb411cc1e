#pragma once
// Bounds on what portwarden reads, so that no input can take unbounded memory (README "Bounds
// on input"). A file larger than its limit, or with a longer line, is refused with a one-line
// error naming the file (and line); result files hold at most kMaxPortResults port results.
#include <cstddef>
#include <string_view>

namespace portwarden {

struct TextLimits {
    std::string_view what;      // "target list", named in the error
    std::size_t max_bytes = 0;  // the whole file
    std::size_t max_line = 0;   // one line, without its newline
};

inline constexpr std::size_t kMiB = std::size_t{1} << 20;

// -iL, --excludefile: a spec is at most a host name (253 bytes) or an address range.
inline constexpr TextLimits kTargetListLimits{"target list", 32 * kMiB, 4096};
// audit --policy: a TOML file written by hand.
inline constexpr TextLimits kPolicyLimits{"policy", 16 * kMiB, 1 * kMiB};
// audit --from, diff, report, --resume FILE.json: -oJ (one port or host per line) or -oX.
inline constexpr TextLimits kResultFileLimits{"result file", 128 * kMiB, 16 * kMiB};
// --resume FILE: four short lines.
inline constexpr TextLimits kResumeFileLimits{"resume file", 64 * 1024, 4096};
// --ruleset: `nft -j list ruleset` is one JSON line; iptables-save text has short lines.
inline constexpr TextLimits kRulesetLimits{"ruleset", 64 * kMiB, 64 * kMiB};
// --listeners: `ss -tuln(p)` output.
inline constexpr TextLimits kListenersLimits{"listeners file", 16 * kMiB, 64 * 1024};
// /proc/PID/{comm,status,cgroup} of a listener's owner (inventory): a few short lines each.
inline constexpr TextLimits kProcFileLimits{"process file", 1 * kMiB, 64 * 1024};
// The services file (nmap-services, /etc/services).
inline constexpr TextLimits kServicesLimits{"services file", 16 * kMiB, 4096};

// Port results read from one result file (after merging duplicates of a host's port): 2^23,
// e.g. 128 hosts with every TCP port, or 8192 hosts with 1000 ports each.
inline constexpr std::size_t kMaxPortResults = std::size_t{1} << 23;

}  // namespace portwarden

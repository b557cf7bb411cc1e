#pragma once
// Target specifications with nmap syntax, IPv4 and IPv6 mixed freely:
//   198.18.0.1   198.18.0.0/24   198.18.0-1.1-20   fd00::1   fd00::/120   host.name
// A target set is a sorted, de-duplicated set of address intervals (flat memory for CIDRs),
// with exclusions subtracted. Index i in [0, size()) maps to one address (for permutation/sharding).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "portwarden/address.hpp"
#include "portwarden/error.hpp"
#include "portwarden/limits.hpp"

namespace portwarden {

// Resolves a host name to its addresses (first one is scanned, as nmap does).
using Resolver = std::function<Result<std::vector<Address>>(const std::string& name)>;
Resolver system_resolver();  // getaddrinfo, once per name
// The PTR name of an address (getnameinfo: /etc/hosts, then DNS), or "" when it has none.
std::string reverse_lookup(const Address& address);

// The PTR names of many addresses (-sL -R): `parallel` lookups at once through the system
// resolver (as reverse_lookup). Once `give_up_after` lookups in a row found the resolver silent
// (no answer, not even "no such name"), the remaining addresses are not looked up: a /16 against
// a dead resolver ends after a few resolver time-outs instead of 65 536 of them.
class BulkReverseLookup {
public:
    explicit BulkReverseLookup(unsigned parallel = 32, unsigned give_up_after = 64)
        : parallel_(parallel == 0 ? 1 : parallel), give_up_after_(give_up_after) {}
    // One name per address ("" where none, or where the lookups were given up).
    std::vector<std::string> names(const std::vector<Address>& addresses);
    bool gave_up() const { return gave_up_; }
    std::uint64_t unanswered() const { return unanswered_; }  // lookups the resolver left unanswered
    std::uint64_t skipped() const { return skipped_; }        // addresses not looked up (gave up)

private:
    unsigned parallel_;
    unsigned give_up_after_;
    unsigned streak_ = 0;  // unanswered lookups in a row, carried from one names() call to the next
    bool gave_up_ = false;
    std::uint64_t unanswered_ = 0;
    std::uint64_t skipped_ = 0;
};

struct TargetParseOptions {
    Resolver resolver;  // empty: host names are an error
    // Largest accepted expansion of one spec (nmap refuses IPv6 prefixes shorter than it can scan).
    std::uint64_t max_addresses = std::uint64_t{1} << 32;
    // Most separate address ranges one set holds (added and excluded), each 24 bytes: an octet
    // list such as 0-255.0-255.0-255.1,3,5,...,255 is 2^31 ranges (48 GB) within max_addresses.
    // 2^23 is more than a full 32 MiB -iL list of single addresses (at most 2^22).
    std::uint64_t max_ranges = std::uint64_t{1} << 23;
};

class TargetSet {
public:
    // Adds one whitespace-free spec. Errors: "bad target '300.1.1.1': octet 300 > 255" style.
    Result<void> add(std::string_view spec, const TargetParseOptions& options);
    // Excludes one spec (same syntax) from the set.
    Result<void> exclude(std::string_view spec, const TargetParseOptions& options);

    std::uint64_t size() const;
    bool empty() const { return size() == 0; }
    Address at(std::uint64_t index) const;  // requires index < size()
    // The name the user gave for this address, or empty.
    std::string hostname_of(const Address& address) const;

    struct Interval {
        Address first;
        std::uint64_t count = 0;  // addresses first, first+1, ..., first+count-1 (same family)
    };
    const std::vector<Interval>& intervals() const;

private:
    void normalize() const;
    mutable std::vector<Interval> included_;
    mutable std::vector<Interval> excluded_;
    mutable std::vector<Interval> effective_;
    mutable std::vector<std::uint64_t> prefix_;  // prefix sums of effective_ counts
    mutable bool dirty_ = false;
    std::map<Address, std::string> names_;
};

// Splits target-list file text (-iL, --excludefile) into specs: whitespace/newline separated,
// '#' starts a comment.
std::vector<std::string> split_target_list(std::string_view text);
// Reads a file ("-" = standard input) of at most limits.max_bytes, no line longer than
// limits.max_line. Errors name the path (and line): "cannot read 'F': ...", "F: larger than ...".
Result<std::string> read_text_file(const std::string& path, const TextLimits& limits);

}  // namespace portwarden

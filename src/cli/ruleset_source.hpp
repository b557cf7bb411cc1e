#pragma once
// Where a command's firewall ruleset comes from: --ruleset FILE, --nft (`nft -j list ruleset`)
// or --iptables (iptables-save and ip6tables-save), of this host or of a named network
// namespace (run through `ip netns exec NAME`). Reads only.
#include <string>

#include "portwarden/error.hpp"
#include "portwarden/firewall.hpp"

namespace portwarden::cli {

struct RulesetSource {
    std::string file;
    bool nft = false;
    bool iptables = false;
    std::string netns;  // empty: this host's namespace
    bool given() const { return !file.empty() || nft || iptables; }
};

// Errors (one line): not exactly one of the three, a bad namespace name, the reader failing,
// the ruleset not parsing.
Result<firewall::Ruleset> load_ruleset_source(const RulesetSource& source);

}  // namespace portwarden::cli

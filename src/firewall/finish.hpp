#pragma once
// The last step of every reader: every jump/goto lands on a chain of the same table, and no
// chain reaches itself (a loop of jumps is bad input, named by its rule).
#include "portwarden/firewall.hpp"

namespace portwarden::firewall {

Result<Ruleset> finish_ruleset(Ruleset rs);

}  // namespace portwarden::firewall

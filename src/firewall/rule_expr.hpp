#pragma once
// One nft JSON rule object -> Rule (matches, verdict map, verdict, what was not understood).
#include <string>

#include <nlohmann/json.hpp>

#include "portwarden/firewall.hpp"

namespace portwarden::firewall {

// Named sets stay references ("@name", Match::set_name) for the caller to resolve.
// A verdict object: {"accept": null}, {"jump": {"target": "x"}}, ...
Result<void> read_verdict(const nlohmann::json& v, Statement& out);
Result<Rule> read_rule(const nlohmann::json& rule, const std::string& source);

}  // namespace portwarden::firewall

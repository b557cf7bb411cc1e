#pragma once
// audit --ruleset: the ports where the scan differs from the firewall ruleset's prediction
// become findings (firewall-mismatch, or firewall-unknown when the verdict is unknown).
#include "portwarden/audit.hpp"
#include "portwarden/firewall.hpp"

namespace portwarden::audit {

void add_firewall_findings(Evaluation& evaluation, const firewall::CheckReport& report);

}  // namespace portwarden::audit

#pragma once
// Which probes a port gets, and what a response to one of them says.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "portwarden/version.hpp"
#include "version/probe_db.hpp"

namespace portwarden::version {

struct MatchOutcome {
    std::optional<ServiceInfo> hard;  // a match line: the answer
    std::optional<ServiceInfo> soft;  // the first softmatch: the service, more probes may tell more
};

// The probe's own rules, then its fallbacks' (left to right), then for TCP the NULL probe's.
// The first hard match wins; the first softmatch is kept while looking on.
MatchOutcome match_response(const ProbeDb& db, std::size_t probe, std::string_view response);

// nmap's order for a port: the NULL probe (TCP), then the probes whose `ports` list the port
// (`sslports` inside the ssl tunnel; whatever their rarity), then the others of rarity <=
// intensity, each group in file order.
std::vector<std::size_t> probe_plan(const ProbeDb& db, Proto proto, std::uint16_t port, int intensity, bool ssl);

// After a softmatch for `service`: only probes with a rule that can name it are still worth sending.
bool can_name(const Probe& probe, std::string_view service);

}  // namespace portwarden::version

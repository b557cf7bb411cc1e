#include "version/matcher.hpp"

#include <algorithm>

#include "version/substitute.hpp"

namespace portwarden::version {
namespace {

// Runs one probe's rules; true when a hard match ended the search.
bool run_rules(const Probe& probe, std::string_view response, MatchOutcome& out) {
    for (const MatchRule& rule : probe.matches) {
        if (rule.soft && out.soft) {
            continue;
        }
        const auto captures = rule.regex.match(response);
        if (!captures) {
            continue;
        }
        if (rule.soft) {
            out.soft = fill_service(rule, *captures);
            continue;
        }
        out.hard = fill_service(rule, *captures);
        return true;
    }
    return false;
}

}  // namespace

MatchOutcome match_response(const ProbeDb& db, std::size_t probe, std::string_view response) {
    MatchOutcome out;
    if (response.empty()) {
        return out;
    }
    const Probe& p = db.probes.at(probe);
    std::vector<std::size_t> order{probe};
    order.insert(order.end(), p.fallbacks.begin(), p.fallbacks.end());
    if (p.proto == Proto::tcp && db.null_probe && probe != *db.null_probe) {
        order.push_back(*db.null_probe);
    }
    for (std::size_t i : order) {
        if (run_rules(db.probes.at(i), response, out)) {
            break;
        }
    }
    return out;
}

std::vector<std::size_t> probe_plan(const ProbeDb& db, Proto proto, std::uint16_t port, int intensity, bool ssl) {
    std::vector<std::size_t> plan;
    const auto probable = [&](const Probe& p) { return in_ranges(ssl ? p.sslports : p.ports, port); };
    if (proto == Proto::tcp && db.null_probe) {
        plan.push_back(*db.null_probe);
    }
    for (std::size_t i = 0; i < db.probes.size(); ++i) {
        const Probe& p = db.probes[i];
        if (p.proto == proto && i != db.null_probe && probable(p)) {
            plan.push_back(i);
        }
    }
    for (std::size_t i = 0; i < db.probes.size(); ++i) {
        const Probe& p = db.probes[i];
        if (p.proto == proto && i != db.null_probe && !probable(p) && p.rarity <= intensity) {
            plan.push_back(i);
        }
    }
    return plan;
}

bool can_name(const Probe& probe, std::string_view service) {
    return std::find(probe.services.begin(), probe.services.end(), service) != probe.services.end();
}

}  // namespace portwarden::version

// The baseline group's description (see baseline.hpp).
#include "responder/baseline.hpp"

#include <array>
#include <map>
#include <vector>

#include "portwarden/results.hpp"

namespace portwarden::responder {

namespace {

bool holds(std::size_t count, std::size_t total) {
    return total > 0 && static_cast<double>(count) >= kMajority * static_cast<double>(total);
}

// The value most of `values` share, with its count. Runs of equal values (a host's replies
// mostly carry one) go into the map at once: one look-up per run, not per value.
std::pair<std::uint16_t, std::size_t> mode(const std::vector<std::uint16_t>& values) {
    std::map<std::uint16_t, std::size_t> counts;
    for (std::size_t i = 0; i < values.size();) {
        std::size_t run = 1;
        while (i + run < values.size() && values[i + run] == values[i]) {
            ++run;
        }
        counts[values[i]] += run;
        i += run;
    }
    std::pair<std::uint16_t, std::size_t> best{0, 0};
    for (const auto& [v, n] : counts) {
        if (n > best.second) {
            best = {v, n};
        }
    }
    return best;
}

IpIdBehaviour ip_id_behaviour(const std::vector<std::uint16_t>& ids, std::size_t replies) {
    if (ids.empty() || ids.size() != replies) {
        return IpIdBehaviour::none;  // IPv6, or no reply of the kind
    }
    const auto [value, count] = mode(ids);
    if (!holds(count, ids.size())) {
        return IpIdBehaviour::varied;
    }
    if (value == 0) {
        return IpIdBehaviour::zero;
    }
    return ids.size() >= 3 ? IpIdBehaviour::constant : IpIdBehaviour::varied;
}

}  // namespace

unsigned initial_ttl(std::uint8_t ttl) {
    constexpr std::array<unsigned, 4> initial{32, 64, 128, 255};
    for (const unsigned start : initial) {
        if (ttl <= start) {
            return start;
        }
    }
    return 255;
}

ResponderBaseline describe_group(std::span<const ReplyFacts> replies, std::uint8_t ttl) {
    ResponderBaseline base;
    base.ttl = ttl;
    base.hops = hops_from_ttl(ttl);
    std::vector<std::uint16_t> rst_ids, syn_ack_ids, rst_windows;
    std::size_t syn_acks = 0;
    for (const ReplyFacts& r : replies) {
        if (r.responder || r.ttl != ttl || (r.kind != ReplyKind::rst && r.kind != ReplyKind::syn_ack)) {
            continue;
        }
        ++base.replies;
        if (r.kind == ReplyKind::syn_ack) {
            ++syn_acks;
            if (r.ip_id) {
                syn_ack_ids.push_back(*r.ip_id);
            }
        } else {
            rst_windows.push_back(r.window);
            if (r.ip_id) {
                rst_ids.push_back(*r.ip_id);
            }
        }
    }
    base.from_syn_ack = syn_acks > 0;
    base.rst_ip_id = ip_id_behaviour(rst_ids, rst_windows.size());
    base.syn_ack_ip_id = ip_id_behaviour(syn_ack_ids, syn_acks);
    const auto [window, count] = mode(rst_windows);
    if (holds(count, rst_windows.size())) {
        base.rst_window = window;
    }
    return base;
}

}  // namespace portwarden::responder

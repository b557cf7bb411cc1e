#include "io/neighbour.hpp"

#include <algorithm>

#include "net/arp_nd.hpp"

namespace portwarden::io {

namespace {

struct Pending {
    Address next_hop;
    std::vector<std::uint8_t> request;  // ARP request or Neighbour Solicitation frame
};

// Sends every pending request once; a full queue is retried briefly, then left to the next try.
Result<bool> send_requests(TxSocket& tx, const std::vector<Pending>& pending) {
    std::vector<net::ConstBytes> frames;
    frames.reserve(pending.size());
    for (const auto& p : pending) {
        frames.emplace_back(p.request);
    }
    std::span<const net::ConstBytes> rest(frames);
    for (int attempt = 0; attempt < 3 && !rest.empty(); ++attempt) {
        const auto sent = tx.send(rest);
        if (!sent) {
            return tl::unexpected(sent.error());
        }
        rest = rest.subspan(*sent);
    }
    return true;
}

}  // namespace

std::string neighbour_filter() { return "arp or (icmp6 and ip6[40] == 136)"; }

Result<std::map<Address, net::MacAddress>> resolve_neighbours(
    int ifindex, TxSocket& tx, RxSocket& rx, const std::vector<NeighbourQuery>& queries,
    int tries, std::chrono::milliseconds interval) {
    std::map<Address, net::MacAddress> found;
    std::vector<Pending> pending;
    for (const auto& query : queries) {
        if (found.contains(query.next_hop) ||
            std::any_of(pending.begin(), pending.end(),
                        [&](const Pending& p) { return p.next_hop == query.next_hop; })) {
            continue;
        }
        if (!query.fresh) {
            const auto known = neighbour_mac(ifindex, query.next_hop);
            if (!known) {
                return tl::unexpected(known.error());
            }
            if (*known) {
                found.emplace(query.next_hop, **known);
                continue;
            }
        }
        auto request =
            query.next_hop.is_v4()
                ? net::build_arp_request(query.our_mac, query.source, query.next_hop)
                : net::build_neighbour_solicitation(query.our_mac, query.source, query.next_hop);
        if (!request) {
            return tl::unexpected(request.error());
        }
        pending.push_back({query.next_hop, std::move(*request)});
    }
    if (pending.empty()) {
        return found;
    }
    if (rx.link_type() != net::LinkType::ethernet) {
        return fail("resolving " + pending.front().next_hop.to_string() +
                    ": neighbour discovery needs an Ethernet interface");
    }
    if (const auto attached = rx.ensure_attached(); !attached) {  // before the first request
        return tl::unexpected(attached.error());
    }
    const auto on_frame = [&](net::ConstBytes frame) {
        auto reply = net::parse_arp_reply(frame);
        if (!reply) {
            reply = net::parse_neighbour_advertisement(frame);
        }
        if (!reply) {
            return;
        }
        const auto it = std::find_if(pending.begin(), pending.end(),
                                     [&](const Pending& p) { return p.next_hop == reply->ip; });
        if (it != pending.end()) {
            found.emplace(reply->ip, reply->mac);
            pending.erase(it);
        }
    };
    using Clock = std::chrono::steady_clock;
    for (int attempt = 0; attempt < tries && !pending.empty(); ++attempt) {
        if (const auto sent = send_requests(tx, pending); !sent) {
            return tl::unexpected(sent.error());
        }
        const auto deadline = Clock::now() + interval;
        while (!pending.empty()) {
            const auto left =
                std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
            if (left.count() <= 0) {
                break;
            }
            if (const auto polled = rx.poll(left, on_frame); !polled) {
                return tl::unexpected(polled.error());
            }
        }
    }
    return found;
}

}  // namespace portwarden::io

// Shards of one scan joined into one host list (merge.hpp).
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "portwarden/merge.hpp"

namespace portwarden {
namespace {

void join_host(HostResult& into, HostResult&& from) {
    if (into.state != HostState::up && from.state == HostState::up) {
        into.state = from.state;
        into.reason = from.reason;
        into.reason_ttl = from.reason_ttl;
        into.hops = from.hops;
        into.srtt_us = from.srtt_us;
    }
    if (into.hostname.empty()) {
        into.hostname = std::move(from.hostname);
    }
    if (into.ptr_name.empty()) {
        into.ptr_name = std::move(from.ptr_name);
    }
    if (into.trace.empty()) {
        into.trace = std::move(from.trace);
        into.trace_proto = std::move(from.trace_proto);
        into.trace_port = from.trace_port;
    }
    if (!into.rate_limit_interval_us) {
        into.rate_limit_interval_us = from.rate_limit_interval_us;
    }
    into.start_time = std::min(into.start_time, from.start_time);
    into.end_time = std::max(into.end_time, from.end_time);
    into.complete = into.complete && from.complete;
    into.ports.insert(into.ports.end(), std::make_move_iterator(from.ports.begin()),
                      std::make_move_iterator(from.ports.end()));
}

}  // namespace

Result<void> check_scan_name(std::string_view name) {
    const auto allowed = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
               c == '_' || c == '-';
    };
    if (name.empty() || name.size() > 64 || !std::ranges::all_of(name, allowed) || name.front() == '.' ||
        name.front() == '-' || name.front() == '_') {
        return fail(fmt::format("bad scan id '{}': expected 1-64 letters, digits, '.', '_' or '-', "
                                "starting with a letter or digit",
                                name));
    }
    return {};
}

std::uint64_t seed_for_scan_name(std::string_view name) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (const char c : name) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ULL;
    }
    return h == 0 ? 1 : h;
}

Result<std::vector<HostResult>> merge_shard_hosts(std::vector<std::vector<HostResult>> shards) {
    std::map<Address, HostResult> by_address;
    for (auto& shard : shards) {
        for (auto& host : shard) {
            const Address address = host.address;
            auto [at, fresh] = by_address.try_emplace(address, std::move(host));
            if (!fresh) {
                join_host(at->second, std::move(host));
            }
        }
    }
    std::vector<HostResult> out;
    out.reserve(by_address.size());
    for (auto& [address, host] : by_address) {
        std::ranges::sort(host.ports, [](const PortResult& a, const PortResult& b) {
            return std::pair(a.proto, a.port) < std::pair(b.proto, b.port);
        });
        const auto twice = std::ranges::adjacent_find(host.ports, [](const PortResult& a, const PortResult& b) {
            return a.proto == b.proto && a.port == b.port;
        });
        if (twice != host.ports.end()) {
            return fail(fmt::format("host {} port {}/{} is in two shards: they overlap", address.to_string(),
                                    twice->port, to_string(twice->proto)));
        }
        out.push_back(std::move(host));
    }
    return out;
}

}  // namespace portwarden

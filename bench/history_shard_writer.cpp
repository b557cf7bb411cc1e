// Writes synthetic shards of one named scan into a history concurrently and prints the rate.
//   history_shard_writer URL SHARDS HOSTS PORTS [OPEN_EVERY]
// SHARDS threads, each with its own connection, record shard i of SHARDS of the scan
// "bench-<pid>" as `scan --scan-id` does (begin_scan, add_hosts in batches of 256 hosts,
// end_scan): HOSTS hosts, each with the shard's share of PORTS TCP ports, every OPEN_EVERY-th
// port open (default 50), the others closed (stored compactly: one port set per host plus
// the open ports). Prints one line: shards, port results, seconds, port results/s, host
// rows/s, database rows/s (host_results + port_sets + port_results rows written).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include <fmt/format.h>

#include "portwarden/history.hpp"

namespace {

using namespace portwarden;

struct Work {
    std::string url;
    std::uint32_t shards = 4;
    std::uint32_t hosts = 1000;
    std::uint32_t ports = 1000;
    std::uint32_t open_every = 50;
    std::string name;
};

HostResult make_host(const Work& w, std::uint32_t h, std::uint32_t shard, std::uint64_t& open) {
    HostResult host;
    host.address = Address::parse(fmt::format("198.18.{}.{}", h / 250, h % 250 + 1)).value();
    host.state = HostState::up;
    host.reason = Reason::user_set;
    host.start_time = std::chrono::system_clock::now();
    host.end_time = host.start_time;
    for (std::uint32_t p = 1; p <= w.ports; ++p) {
        if (p % w.shards != shard) {
            continue;
        }
        const bool is_open = p % w.open_every == 0;
        open += is_open ? 1 : 0;
        host.ports.push_back(PortResult{Proto::tcp, static_cast<std::uint16_t>(p),
                                        is_open ? PortState::open : PortState::closed,
                                        is_open ? Reason::syn_ack : Reason::reset, {}, {}, {}});
    }
    return host;
}

bool write_shard(const Work& w, std::uint32_t shard, std::uint64_t& open) {
    auto store = open_history(w.url);
    if (!store) {
        fmt::print(stderr, "shard {}: {}\n", shard, store.error().message);
        return false;
    }
    ScanInfo info{std::chrono::system_clock::now(), {}, "history_shard_writer", "bench", "syn", {}};
    info.shard = ShardTag{w.name, shard, w.shards};
    auto id = (*store)->begin_scan(info);
    if (!id) {
        fmt::print(stderr, "shard {}: {}\n", shard, id.error().message);
        return false;
    }
    std::vector<HostResult> batch;
    for (std::uint32_t h = 0; h < w.hosts; ++h) {
        batch.push_back(make_host(w, h, shard, open));
        if (batch.size() == 256 || h + 1 == w.hosts) {
            if (auto ok = (*store)->add_hosts(*id, info, batch); !ok) {
                fmt::print(stderr, "shard {}: {}\n", shard, ok.error().message);
                return false;
            }
            batch.clear();
        }
    }
    info.end_time = std::chrono::system_clock::now();
    return static_cast<bool>((*store)->end_scan(*id, info));
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 5) {
        fmt::print(stderr, "usage: history_shard_writer URL SHARDS HOSTS PORTS [OPEN_EVERY]\n");
        return 2;
    }
    Work w;
    w.url = argv[1];
    w.shards = static_cast<std::uint32_t>(std::strtoul(argv[2], nullptr, 10));
    w.hosts = static_cast<std::uint32_t>(std::strtoul(argv[3], nullptr, 10));
    w.ports = static_cast<std::uint32_t>(std::strtoul(argv[4], nullptr, 10));
    if (argc > 5) {
        w.open_every = static_cast<std::uint32_t>(std::strtoul(argv[5], nullptr, 10));
    }
    if (w.shards == 0 || w.hosts == 0 || w.hosts > 60000 || w.ports == 0 || w.ports > 65535 || w.open_every == 0) {
        fmt::print(stderr, "history_shard_writer: bad numbers\n");
        return 2;
    }
    w.name = fmt::format("bench-{}", ::getpid());
    if (auto first = open_history(w.url); !first) {  // migrate once, before the clock starts
        fmt::print(stderr, "{}\n", first.error().message);
        return 1;
    }
    std::vector<std::uint64_t> open(w.shards, 0);
    std::vector<char> ok(w.shards, 0);
    const auto t0 = std::chrono::steady_clock::now();
    {
        std::vector<std::jthread> threads;
        for (std::uint32_t s = 0; s < w.shards; ++s) {
            threads.emplace_back([&, s] { ok[s] = write_shard(w, s, open[s]) ? 1 : 0; });
        }
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::uint64_t open_total = 0;
    for (std::uint32_t s = 0; s < w.shards; ++s) {
        if (ok[s] == 0) {
            return 1;
        }
        open_total += open[s];
    }
    const double results = double(w.hosts) * w.ports;
    const double host_rows = double(w.hosts) * w.shards;
    const double db_rows = host_rows * 2 + double(open_total);  // host_results + port_sets + open ports
    fmt::print("shards={} port_results={:.0f} seconds={:.2f} port_results_per_s={:.0f} host_rows_per_s={:.0f} "
               "db_rows_per_s={:.0f}\n",
               w.shards, results, seconds, results / seconds, host_rows / seconds, db_rows / seconds);
    return 0;
}

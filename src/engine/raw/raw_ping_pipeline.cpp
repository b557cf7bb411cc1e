#include "engine/raw/raw_ping_pipeline.hpp"

#include <utility>

namespace portwarden::engine {

PingPipeline::PingPipeline(Inputs in, const std::stop_token& stop)
    : in_(std::move(in)), mux_(*in_.env.io), link_(stop, std::function<void()>([this] { stop_.request_stop(); })) {}

PingPipeline::~PingPipeline() {
    stop_.request_stop();
    for (const auto& run : runs_) {
        if (run->thread.joinable()) {
            run->thread.join();
        }
    }
}

PingPipeline::Run* PingPipeline::find(std::uint64_t g) {
    for (const auto& run : runs_) {
        if (run->group == g) {
            return run.get();
        }
    }
    return nullptr;
}

void PingPipeline::start(std::uint64_t g) {
    std::vector<Address> addresses = in_.addresses_of(g);
    auto run = std::make_unique<Run>();
    run->group = g;
    Run& r = *run;
    {
        const std::lock_guard lock(mutex_);
        runs_.push_back(std::move(run));
    }
    const ScanRequest& request = in_.request;
    Result<std::vector<std::optional<RawTarget>>> resolved;
    {
        const auto sends = mux_.lock_sends();  // resolution may send ARP / NS on the same socket
        resolved = resolve_targets(in_.env, addresses, request.discovery.arp);
    }
    if (!resolved) {
        const std::lock_guard lock(mutex_);
        r.found.error = resolved.error().message;
        r.done = true;
        changed_.notify_all();
        return;
    }
    r.found.resolved = std::move(*resolved);
    r.lane = mux_.lane(addresses);
    r.thread = std::thread([this, &r, addresses = std::move(addresses), seed = in_.seed_of(g)] {
        DiscoveryIo via;
        via.io = r.lane.get();
        via.all_sent = [this, &r] {
            const std::lock_guard lock(mutex_);
            r.all_sent = true;
            changed_.notify_all();
        };
        DiscoveryResult result = discover_hosts(in_.env, addresses, r.found.resolved, in_.columns, in_.templates,
                                                in_.request.discovery, in_.request.timing, seed, stop_.get_token(), via);
        const std::lock_guard lock(mutex_);
        r.found.result = std::move(result);
        r.done = true;
        changed_.notify_all();
    });
}

PingPipeline::Found PingPipeline::discover(std::uint64_t g) {
    std::unique_lock lock(mutex_);
    if (find(g) == nullptr) {
        lock.unlock();
        start(g);
        lock.lock();
    }
    Run* r = find(g);
    bool next_started = find(g + 1) != nullptr;
    while (!r->done) {
        if (r->all_sent && !next_started) {
            next_started = true;
            if (!in_.addresses_of(g + 1).empty()) {
                lock.unlock();
                start(g + 1);
                lock.lock();
            }
            continue;
        }
        changed_.wait(lock);
    }
    lock.unlock();
    if (r->thread.joinable()) {
        r->thread.join();
    }
    lock.lock();
    Found out = std::move(r->found);
    r->lane.reset();
    std::erase_if(runs_, [&](const std::unique_ptr<Run>& run) { return run.get() == r; });
    return out;
}

}  // namespace portwarden::engine

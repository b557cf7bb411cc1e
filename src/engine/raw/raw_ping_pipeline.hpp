#pragma once
// Pipelined host groups for -sn: each group's ping run goes on a thread of its own, through a
// lane of one IoMux, and once it has sent every first probe (only its time-outs and retries
// remain) the next group's run starts. A mostly silent range then waits out its time-outs once,
// not once per group. Next hops are resolved on the calling thread, sends held meanwhile.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <thread>
#include <vector>

#include "engine/raw/raw_discovery.hpp"
#include "engine/raw/raw_mux.hpp"
#include "engine/raw/raw_setup.hpp"

namespace portwarden::engine {

class PingPipeline {
public:
    struct Inputs {
        RawEnvironment& env;
        const ScanRequest& request;
        const std::vector<RawColumn>& columns;
        const RawTemplates& templates;
        std::function<std::vector<Address>(std::uint64_t group)> addresses_of;
        std::function<std::uint64_t(std::uint64_t group)> seed_of;
    };
    PingPipeline(Inputs in, const std::stop_token& stop);
    PingPipeline(const PingPipeline&) = delete;
    PingPipeline& operator=(const PingPipeline&) = delete;
    ~PingPipeline();  // stops the runs still going and waits for them

    struct Found {
        std::vector<std::optional<RawTarget>> resolved;
        DiscoveryResult result;
        std::string error;  // resolving the next hops failed
    };
    // Discovery of group g (started now unless it was already); while waiting for it, starts
    // group g + 1 as soon as g's run has sent all its first probes.
    Found discover(std::uint64_t g);

private:
    struct Run {
        std::uint64_t group = 0;
        Found found;
        std::unique_ptr<RawIo> lane;
        std::thread thread;
        bool all_sent = false;  // under mutex_
        bool done = false;      // under mutex_
    };
    void start(std::uint64_t g);
    Run* find(std::uint64_t g);  // with mutex_ held

    Inputs in_;
    IoMux mux_;
    std::stop_source stop_;
    std::stop_callback<std::function<void()>> link_;  // the caller's stop stops the runs
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<std::unique_ptr<Run>> runs_;
};

}  // namespace portwarden::engine

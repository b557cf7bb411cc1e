// IoMux (pipelined host groups): replies go to the lane of their target's address, a poll
// (deadline now) still collects what arrived, sends of all lanes reach the shared io, a reply
// for no lane is dropped, and two lanes waiting on two threads both get theirs.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "engine/raw/raw_mux.hpp"

namespace portwarden::engine {
namespace {

Address addr(const char* s) { return Address::parse(s).value(); }

CapturedReply reply_for(const Address& target) {
    CapturedReply r;
    r.reply.target = target;
    r.at = std::chrono::steady_clock::now();
    return r;
}

class QueueIo final : public RawIo {
public:
    Result<std::size_t> send(std::span<const net::ConstBytes> frames) override {
        sent += frames.size();
        return frames.size();
    }
    void take_replies(std::vector<CapturedReply>& out, std::chrono::steady_clock::time_point deadline) override {
        {
            const std::lock_guard lock(mutex);
            if (!queue.empty()) {
                out.insert(out.end(), queue.begin(), queue.end());
                queue.clear();
                return;
            }
        }
        std::this_thread::sleep_until(std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(1)));
    }
    RawIoStats stats() override { return {}; }
    std::string receive_error() override { return {}; }
    void add(const Address& a) {
        const std::lock_guard lock(mutex);
        queue.push_back(reply_for(a));
    }

    std::mutex mutex;
    std::vector<CapturedReply> queue;
    std::atomic<std::size_t> sent{0};
};

TEST(IoMux, RepliesGoToTheLaneOfTheirTarget) {
    QueueIo io;
    IoMux mux(io);
    auto a = mux.lane({addr("198.18.1.1"), addr("198.18.1.2")});
    auto b = mux.lane({addr("198.18.2.1")});
    io.add(addr("198.18.2.1"));
    io.add(addr("198.18.1.2"));
    io.add(addr("198.18.9.9"));  // no lane's: dropped
    std::vector<CapturedReply> got_a;
    a->take_replies(got_a, std::chrono::steady_clock::now());  // a poll pumps once
    ASSERT_EQ(got_a.size(), 1U);
    EXPECT_EQ(got_a[0].reply.target, addr("198.18.1.2"));
    std::vector<CapturedReply> got_b;
    b->take_replies(got_b, std::chrono::steady_clock::now());
    ASSERT_EQ(got_b.size(), 1U);
    EXPECT_EQ(got_b[0].reply.target, addr("198.18.2.1"));
    const std::vector<std::uint8_t> frame(60, 0);
    const std::vector<net::ConstBytes> frames{net::ConstBytes(frame), net::ConstBytes(frame)};
    ASSERT_TRUE(a->send(frames));
    ASSERT_TRUE(b->send(frames));
    EXPECT_EQ(io.sent.load(), 4U);
}

TEST(IoMux, TwoLanesWaitingOnTwoThreadsEachGetTheirs) {
    QueueIo io;
    IoMux mux(io);
    auto a = mux.lane({addr("198.18.1.1")});
    auto b = mux.lane({addr("198.18.2.1")});
    constexpr int kEach = 200;
    std::thread feeder([&] {
        for (int i = 0; i < kEach; ++i) {
            io.add(addr("198.18.1.1"));
            io.add(addr("198.18.2.1"));
            std::this_thread::sleep_for(std::chrono::microseconds(50));
        }
    });
    auto drain = [](RawIo& lane, std::size_t& count) {
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (count < kEach && std::chrono::steady_clock::now() < until) {
            std::vector<CapturedReply> got;
            lane.take_replies(got, std::chrono::steady_clock::now() + std::chrono::milliseconds(20));
            count += got.size();
        }
    };
    std::size_t count_a = 0;
    std::size_t count_b = 0;
    std::thread ta([&] { drain(*a, count_a); });
    std::thread tb([&] { drain(*b, count_b); });
    feeder.join();
    ta.join();
    tb.join();
    EXPECT_EQ(count_a, std::size_t{kEach});
    EXPECT_EQ(count_b, std::size_t{kEach});
}

}  // namespace
}  // namespace portwarden::engine

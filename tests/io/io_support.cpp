// Test support and main(): io_tests refuses to run outside the namespace run_io_tests.sh made.
#include "io_support.hpp"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace portwarden::iotest {

namespace {

const char* const kRequired[] = {"NETNS_A", "NETNS_B", "A_IF", "B_IF", "TUN_IF", "MTU",
                                 "ROUTE_MTU", "A_V4", "B_V4", "A_V6", "B_V6", "A_MAC",
                                 "B_MAC"};

bool same_file(const char* a, const char* b) {
    struct stat sa {};
    struct stat sb {};
    return ::stat(a, &sa) == 0 && ::stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

}  // namespace

std::string env(const char* name) {
    const std::string key = std::string("PWIO_") + name;
    const char* value = std::getenv(key.c_str());
    if (value == nullptr) {
        throw std::runtime_error(key + " is not set");
    }
    return value;
}

Address addr(const std::string& text) {
    const auto parsed = Address::parse(text);
    if (!parsed) {
        throw std::runtime_error("bad address " + text);
    }
    return *parsed;
}

int ifindex(const std::string& ifname) {
    return static_cast<int>(::if_nametoindex(ifname.c_str()));
}

net::MacAddress mac(const std::string& text) {
    net::MacAddress out{};
    unsigned parts[6] = {};
    if (std::sscanf(text.c_str(), "%x:%x:%x:%x:%x:%x", &parts[0], &parts[1], &parts[2],
                    &parts[3], &parts[4], &parts[5]) != 6) {
        throw std::runtime_error("bad MAC " + text);
    }
    for (std::size_t i = 0; i < out.size(); ++i) {
        out[i] = static_cast<std::uint8_t>(parts[i]);
    }
    return out;
}

int shell(const std::string& command) { return std::system(command.c_str()); }

InNamespace::InNamespace(const std::string& name) {
    home_ = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    const int target = ::open(("/var/run/netns/" + name).c_str(), O_RDONLY | O_CLOEXEC);
    ok_ = home_ >= 0 && target >= 0 && ::setns(target, CLONE_NEWNET) == 0;
    if (target >= 0) {
        ::close(target);
    }
}

InNamespace::~InNamespace() {
    if (home_ >= 0) {
        if (::setns(home_, CLONE_NEWNET) != 0) {
            std::perror("io_tests: cannot return to the test namespace");
            std::abort();  // never go on in the wrong namespace
        }
        ::close(home_);
    }
}

Result<io::RxSocket> open_on_peer(const std::string& filter, const io::RxOptions& options) {
    const InNamespace in_b(env("NETNS_B"));
    if (!in_b.ok()) {
        return fail("cannot enter " + env("NETNS_B"));
    }
    return io::RxSocket::open(ifindex(env("B_IF")), io::LinkKind::ethernet, filter, options);
}

std::vector<std::uint8_t> frame(const Probe& probe) {
    net::TemplateConfig config;
    config.src = probe.src;
    config.protocol = probe.protocol;
    config.udp_payload = probe.payload;
    config.ethernet = probe.ethernet;
    const auto made = net::ProbeTemplate::make(config);
    if (!made) {
        throw std::runtime_error(made.error().message);
    }
    std::vector<std::uint8_t> bytes(made->size());
    if (!made->write(bytes) ||
        !made->patch(bytes, probe.dst, probe.sport, probe.dport, probe.seq, 0x4242)) {
        throw std::runtime_error("cannot build probe frame");
    }
    return bytes;
}

std::vector<std::vector<std::uint8_t>> collect(io::RxSocket& rx, std::size_t enough,
                                               std::chrono::milliseconds limit) {
    std::vector<std::vector<std::uint8_t>> frames;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (frames.size() < enough) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            break;
        }
        const auto polled = rx.poll(left, [&](net::ConstBytes f) {
            frames.emplace_back(f.begin(), f.end());
        });
        if (!polled) {
            ADD_FAILURE() << polled.error().message;
            break;
        }
    }
    return frames;
}

}  // namespace portwarden::iotest

int main(int argc, char** argv) {
    using portwarden::iotest::kRequired;
    for (const char* name : kRequired) {
        if (std::getenv((std::string("PWIO_") + name).c_str()) == nullptr) {
            std::fprintf(stderr, "io_tests: PWIO_%s is not set; run through tests/io/run_io_tests.sh\n",
                         name);
            return 1;
        }
    }
    const std::string own = "/var/run/netns/" + portwarden::iotest::env("NETNS_A");
    if (!portwarden::iotest::same_file("/proc/self/ns/net", own.c_str())) {
        std::fprintf(stderr, "io_tests: not inside network namespace %s; refusing to send\n",
                     own.c_str());
        return 1;
    }
    testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}

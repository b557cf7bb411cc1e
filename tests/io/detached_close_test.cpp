// io::DetachedClose: the last close of each socket is left to a short-lived child process, which
// first lets go of every other descriptor it inherited (so it holds no pipe or output file open),
// then, once given the go, of the one it was handed. RxSocket::admit_nothing: a socket whose
// close is pending receives nothing more.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "io/detached_close.hpp"
#include "io/packet_socket.hpp"
#include "io_support.hpp"

namespace portwarden::iotest {
namespace {

// Waits (at most 5 s) for the read end of a pipe to report its end; true if read() then gives 0.
bool ends_within_5s(int read_end) {
    pollfd p{read_end, POLLIN, 0};
    if (::poll(&p, 1, 5000) != 1) {
        return false;
    }
    char byte = 0;
    return ::read(read_end, &byte, 1) == 0;
}

// True if the pipe has ended already (no wait).
bool ended_now(int read_end) {
    pollfd p{read_end, POLLIN, 0};
    char byte = 0;
    return ::poll(&p, 1, 0) == 1 && ::read(read_end, &byte, 1) == 0;
}

bool is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

struct Pipe {
    std::array<int, 2> fd{-1, -1};
    Pipe() { EXPECT_EQ(::pipe2(fd.data(), O_CLOEXEC), 0); }
    ~Pipe() {
        for (const int f : fd) {
            if (f >= 0) {
                ::close(f);
            }
        }
    }
    void close_write() {
        ::close(fd[1]);
        fd[1] = -1;
    }
};

TEST(DetachedClose, EachChildClosesItsOwnAfterTheGoAndHoldsNothingElse) {
    Pipe first;   // each stands for a packet socket
    Pipe second;
    Pipe other;   // stands for stdout or an output file
    const std::array<int, 2> fds{first.fd[1], second.fd[1]};
    auto children = io::DetachedClose::start(fds);
    ASSERT_TRUE(children.has_value());
    first.close_write();  // our copies: the children's are now the last
    second.close_write();
    // Before the go the children keep theirs: neither pipe has ended.
    pollfd p{first.fd[0], POLLIN, 0};
    EXPECT_EQ(::poll(&p, 1, 100), 0);
    EXPECT_FALSE(ended_now(second.fd[0]));
    children.reset();  // the go
    EXPECT_TRUE(ends_within_5s(first.fd[0]));
    EXPECT_TRUE(ends_within_5s(second.fd[0]));
    // The children had let go of everything else before the go: once we close our end of the
    // other pipe, it ends at once.
    other.close_write();
    EXPECT_TRUE(ended_now(other.fd[0]));
    EXPECT_TRUE(is_open(first.fd[0]));  // the caller's other descriptors stay its own
}

TEST(DetachedClose, NothingToHandIsDoneAtOnce) {
    EXPECT_TRUE(io::DetachedClose::start(std::span<const int>{}).has_value());
    const std::array<int, 2> none{-1, -1};
    EXPECT_TRUE(io::DetachedClose::start(none).has_value());
}

// /proc/net/packet of this thread's network namespace (one line per packet socket).
std::string packet_sockets() {
    std::ifstream in("/proc/thread-self/net/packet");
    std::stringstream all;
    all << in.rdbuf();
    return all.str();
}

bool listed(unsigned long inode) {
    std::istringstream lines(packet_sockets());
    std::string line;
    std::getline(lines, line);  // header; the inode is the last column
    while (std::getline(lines, line)) {
        std::istringstream fields(line);
        std::string field;
        std::string last;
        while (fields >> field) {
            last = field;
        }
        if (last == std::to_string(inode)) {
            return true;
        }
    }
    return false;
}

TEST(DetachedClose, ARingSocketHandedToTheChildIsReleasedByIt) {
    const InNamespace in_b(env("NETNS_B"));  // for its /proc/net/packet
    ASSERT_TRUE(in_b.ok());
    io::RxOptions options;
    options.block_size = 16384;
    options.block_count = 4;
    auto opened = open_on_peer("udp", options);
    ASSERT_TRUE(opened.has_value()) << opened.error().message;
    std::optional<io::RxSocket> rx(std::move(*opened));
    struct stat st {};
    ASSERT_EQ(::fstat(rx->fd(), &st), 0);
    ASSERT_TRUE(listed(st.st_ino));
    EXPECT_TRUE(rx->admit_nothing());
    const std::array<int, 1> fds{rx->fd()};
    auto children = io::DetachedClose::start(fds);
    ASSERT_TRUE(children.has_value());
    const int fd = rx->fd();
    rx.reset();  // unmaps the ring and closes our copy
    EXPECT_FALSE(is_open(fd));
    EXPECT_TRUE(listed(st.st_ino));  // the child holds it until the go
    children.reset();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (listed(st.st_ino) && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    EXPECT_FALSE(listed(st.st_ino)) << "the child did not release the socket within 5 s";
}

TEST(DetachedClose, ASocketThatAdmitsNothingReceivesNothing) {
    io::RxOptions no_ring;
    no_ring.block_count = 0;
    auto rx = open_on_peer("udp and dst port 33501", no_ring);
    ASSERT_TRUE(rx.has_value()) << rx.error().message;
    auto tx = io::TxSocket::open(ifindex(env("A_IF")), io::LinkKind::ethernet);
    ASSERT_TRUE(tx.has_value()) << tx.error().message;
    const net::EthernetAddresses macs{mac(env("A_MAC")), mac(env("B_MAC"))};
    const auto one = frame({addr(env("A_V4")), addr(env("B_V4")), 10000, 33501, 0, 17, {}, macs});
    const std::array<net::ConstBytes, 1> frames{net::ConstBytes(one)};
    // Admitted before: the frame arrives.
    ASSERT_TRUE(tx->send(frames).has_value());
    EXPECT_EQ(collect(*rx, 1, std::chrono::milliseconds(2000)).size(), 1U);
    // After: the same frame, sent 20 times, never does.
    ASSERT_TRUE(rx->admit_nothing());
    for (int i = 0; i < 20; ++i) {
        ASSERT_TRUE(tx->send(frames).has_value());
    }
    EXPECT_EQ(collect(*rx, 1, std::chrono::milliseconds(200)).size(), 0U);
}

}  // namespace
}  // namespace portwarden::iotest

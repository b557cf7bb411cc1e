// drop_privileges in a forked child (it cannot be undone): afterwards the child is uid 65534
// with no capability, and AF_PACKET sockets are refused.
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdio>
#include <functional>

#include "io/privileges.hpp"

namespace portwarden::iotest {
namespace {

// Runs `body` in a child; its return value is the child's exit status.
int in_child(const std::function<int()>& body) {
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::_exit(body());
    }
    int status = 0;
    if (pid < 0 || ::waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
        return -1;
    }
    return WEXITSTATUS(status);
}

TEST(Privileges, DropToNobodyLosesRawSockets) {
    ASSERT_EQ(::getuid(), 0U) << "the io tests run as root";
    EXPECT_TRUE(io::can_use_raw_sockets());
    const int status = in_child([] {
        const auto dropped = io::drop_privileges("nobody");
        if (!dropped) {
            std::fprintf(stderr, "%s\n", dropped.error().message.c_str());
            return 10;
        }
        if (dropped->find("65534") == std::string::npos) {
            return 11;
        }
        if (::getuid() != 65534 || ::geteuid() != 65534 || ::getgid() == 0) {
            return 12;
        }
        errno = 0;
        if (::socket(AF_PACKET, SOCK_RAW, 0) >= 0 || errno != EPERM) {
            return 13;
        }
        if (io::can_use_raw_sockets()) {
            return 14;
        }
        if (::setuid(0) == 0) {
            return 15;
        }
        return 0;
    });
    EXPECT_EQ(status, 0) << "10: drop failed, 11: wrong description, 12: wrong uid/gid, "
                            "13: AF_PACKET still allowed, 14: can_use_raw_sockets still true, "
                            "15: root regained";
    EXPECT_TRUE(io::can_use_raw_sockets()) << "the parent keeps its privileges";
}

TEST(Privileges, UnknownUserIsAnErrorAndChangesNothing) {
    const int status = in_child([] {
        const auto dropped = io::drop_privileges("pw-no-such-user");
        if (dropped || dropped.error().message.find("pw-no-such-user") == std::string::npos) {
            return 1;
        }
        return ::getuid() == 0 && io::can_use_raw_sockets() ? 0 : 2;
    });
    EXPECT_EQ(status, 0);
}

TEST(Privileges, RootUserIsRefused) {
    const int status = in_child([] { return io::drop_privileges("root") ? 1 : 0; });
    EXPECT_EQ(status, 0);
}

}  // namespace
}  // namespace portwarden::iotest

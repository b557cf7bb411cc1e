#include "io/privileges.hpp"

#include <grp.h>
#include <linux/prctl.h>
#include <pwd.h>
#include <netinet/in.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace portwarden::io {

namespace {

std::string failed(const std::string& step, int error) {
    return "cannot drop privileges: " + step + ": " + std::strerror(error);
}

// Empties the bounding set (needs CAP_SETPCAP; without it the set stays, which is harmless
// once the permitted set is empty and no-new-privs is on).
void drop_bounding_set() {
    for (unsigned long cap = 0; cap < 64; ++cap) {
        if (::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0) {
            break;  // past the capabilities this kernel knows
        }
        if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno == EPERM) {
            break;
        }
    }
}

Result<bool> clear_capabilities() {
    cap_t empty = cap_init();
    if (empty == nullptr) {
        return fail(failed("cap_init", errno));
    }
    const int set = cap_set_proc(empty);
    const int error = errno;
    cap_free(empty);
    if (set != 0) {
        return fail(failed("cap_set_proc", error));
    }
    return true;
}

bool capabilities_empty() {
    cap_t now = cap_get_proc();
    cap_t empty = cap_init();
    const bool same = now != nullptr && empty != nullptr && cap_compare(now, empty) == 0;
    cap_free(now);
    cap_free(empty);
    return same;
}

}  // namespace

bool can_use_raw_sockets() {
    // Probed with a raw IPv4 socket: the kernel asks the same CAP_NET_RAW (of the network
    // namespace's user namespace) for it as for AF_PACKET, and closing it is immediate, while
    // closing a packet socket waits for an RCU grace period (~10-15 ms at every start-up).
    // Only when raw IPv4 sockets do not exist at all is a packet socket tried instead.
    int fd = ::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
    if (fd < 0 && (errno == EPERM || errno == EACCES)) {
        return false;
    }
    if (fd < 0) {
        fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
    }
    if (fd < 0) {
        return false;
    }
    ::close(fd);
    return true;
}

Result<std::string> drop_privileges(const std::string& user) {
    const bool root = ::geteuid() == 0 || ::getuid() == 0;
    uid_t uid = 0;
    gid_t gid = 0;
    if (root) {
        // Looked up before anything changes; getpwnam_r so no static buffer is shared.
        passwd entry{};
        passwd* found = nullptr;
        std::vector<char> buffer(16384);
        const int error = ::getpwnam_r(user.c_str(), &entry, buffer.data(), buffer.size(), &found);
        if (found == nullptr) {
            return fail("cannot drop privileges: no user \"" + user + "\"" +
                        (error != 0 ? std::string(": ") + std::strerror(error) : ""));
        }
        if (entry.pw_uid == 0) {
            return fail("cannot drop privileges: user \"" + user + "\" is root");
        }
        uid = entry.pw_uid;
        gid = entry.pw_gid;
    }
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        return fail(failed("PR_SET_NO_NEW_PRIVS", errno));
    }
    drop_bounding_set();
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
        return fail(failed("PR_CAP_AMBIENT_CLEAR_ALL", errno));
    }
    if (root) {
        if (::setgroups(0, nullptr) != 0) {
            return fail(failed("setgroups", errno));
        }
        if (::setresgid(gid, gid, gid) != 0) {
            return fail(failed("setgid " + std::to_string(gid), errno));
        }
        if (::setresuid(uid, uid, uid) != 0) {
            return fail(failed("setuid " + std::to_string(uid), errno));
        }
        if (::setuid(0) == 0) {
            return fail("cannot drop privileges: uid 0 could be regained");
        }
    }
    if (const auto cleared = clear_capabilities(); !cleared) {
        return tl::unexpected(cleared.error());
    }
    if (!capabilities_empty()) {
        return fail("cannot drop privileges: capabilities remain after cap_set_proc");
    }
    return "dropped capabilities; now uid " + std::to_string(::getuid());
}

}  // namespace portwarden::io

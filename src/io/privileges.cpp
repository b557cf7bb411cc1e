#include "io/privileges.hpp"

#include <grp.h>
#include <linux/prctl.h>
#include <pwd.h>
#include <netinet/in.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/capability.h>
#include <sys/syscall.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <thread>
#include <utility>
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

// Capabilities and no_new_privs belong to each thread, not the process: the thread calling
// drop_privileges cannot clear them in the others (the receive thread, the signal watcher).
// Each other thread is asked with a real-time signal whose handler does it with raw system
// calls (async-signal-safe) and then sets the flag passed along with the signal. glibc's own
// set*id broadcast covers the uid and gid changes, not these.
int drop_signal() { return SIGRTMIN + 3; }

void drop_this_thread(int /*sig*/, siginfo_t* info, void* /*context*/) {
    const int saved = errno;
    ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    std::array<__user_cap_data_struct, 2> none{};
    ::syscall(SYS_capset, &header, none.data());
    static_cast<std::atomic<bool>*>(info->si_value.sival_ptr)->store(true);
    errno = saved;
}

std::vector<pid_t> thread_ids() {
    std::vector<pid_t> ids;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task", error)) {
        ids.push_back(static_cast<pid_t>(std::stol(entry.path().filename().string())));
    }
    return ids;
}

// Asks thread `tid` to drop; its flag is set by the handler. Nothing when the thread has ended.
std::atomic<bool>* ask_to_drop(pid_t tid) {
    // Freed once the handler has run; left behind if it never does (the scan then stops).
    auto* dropped = new std::atomic<bool>(false);
    siginfo_t info{};
    info.si_signo = drop_signal();
    info.si_code = SI_QUEUE;
    info.si_pid = ::getpid();
    info.si_uid = ::getuid();
    info.si_value.sival_ptr = dropped;
    if (::syscall(SYS_rt_tgsigqueueinfo, ::getpid(), tid, drop_signal(), &info) != 0) {
        delete dropped;  // the thread has ended meanwhile: no handler will run
        return nullptr;
    }
    return dropped;
}

bool thread_ended(pid_t tid) {
    std::error_code error;
    return !std::filesystem::exists("/proc/self/task/" + std::to_string(tid), error) && !error;
}

// Every thread but this one drops (a thread started meanwhile is found by the next round). Each
// round asks all its threads first and then waits for their answers together, polling every
// 50 µs (answers come within microseconds; a 1 ms sleep per thread cost milliseconds at start-up).
Result<bool> drop_in_other_threads() {
    struct sigaction action {};
    action.sa_sigaction = &drop_this_thread;
    action.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&action.sa_mask);
    if (::sigaction(drop_signal(), &action, nullptr) != 0) {
        return fail(failed("sigaction", errno));
    }
    const pid_t self = static_cast<pid_t>(::syscall(SYS_gettid));
    std::set<pid_t> done{self};
    for (bool found = true; found;) {
        found = false;
        std::vector<std::pair<pid_t, std::atomic<bool>*>> asked;
        for (const pid_t tid : thread_ids()) {
            if (!done.insert(tid).second) {
                continue;
            }
            found = true;
            if (auto* dropped = ask_to_drop(tid)) {
                asked.emplace_back(tid, dropped);
            }
        }
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
        for (const auto& [tid, dropped] : asked) {
            // A thread that ends meanwhile (a short-lived closer) never runs the handler.
            bool ended = false;
            while (!dropped->load() && !ended && std::chrono::steady_clock::now() < deadline) {
                std::this_thread::sleep_for(std::chrono::microseconds(50));
                ended = !dropped->load() && thread_ended(tid);
            }
            if (ended && !dropped->load()) {
                continue;  // `dropped` stays allocated: the handler could still be running
            }
            if (!dropped->load()) {
                return fail("cannot drop privileges: thread " + std::to_string(tid) + " did not answer");
            }
            delete dropped;
        }
    }
    return true;
}

// /proc/self/task/TID/status of every thread: nothing permitted, effective or ambient, and
// no_new_privs set. The thread that still has something, or nothing.
std::optional<std::string> thread_with_privileges() {
    for (const pid_t tid : thread_ids()) {
        std::ifstream in("/proc/self/task/" + std::to_string(tid) + "/status");
        std::string line;
        while (std::getline(in, line)) {
            const bool cap = line.rfind("CapPrm:", 0) == 0 || line.rfind("CapEff:", 0) == 0 ||
                             line.rfind("CapAmb:", 0) == 0;
            if ((cap && line.find_first_not_of("0\t ", 7) != std::string::npos) ||
                (line.rfind("NoNewPrivs:", 0) == 0 && line.find('1') == std::string::npos)) {
                return "thread " + std::to_string(tid) + " still has " + line.substr(0, line.find(':'));
            }
        }
    }
    return std::nullopt;
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
    if (const auto others = drop_in_other_threads(); !others) {
        return tl::unexpected(others.error());
    }
    if (const auto left = thread_with_privileges()) {
        return fail("cannot drop privileges: " + *left);
    }
    return "dropped capabilities; now uid " + std::to_string(::getuid());
}

}  // namespace portwarden::io

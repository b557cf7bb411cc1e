#include "inventory/owners.hpp"

#include <pwd.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <map>
#include <set>
#include <string_view>
#include <system_error>

#include <fmt/format.h>

#include "portwarden/limits.hpp"
#include "portwarden/targets.hpp"

namespace portwarden::inv {
namespace {

namespace fs = std::filesystem;

std::optional<std::int32_t> pid_of(std::string_view name) {
    std::int32_t pid = 0;
    const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), pid);
    if (ec != std::errc{} || end != name.data() + name.size() || pid <= 0) {
        return std::nullopt;
    }
    return pid;
}

// "socket:[12345]" -> 12345.
std::optional<std::uint64_t> socket_inode(std::string_view link) {
    constexpr std::string_view head = "socket:[";
    if (link.size() < head.size() + 2 || link.substr(0, head.size()) != head || link.back() != ']') {
        return std::nullopt;
    }
    std::uint64_t inode = 0;
    const char* first = link.data() + head.size();
    const char* last = link.data() + link.size() - 1;
    const auto [end, ec] = std::from_chars(first, last, inode);
    return ec == std::errc{} && end == last ? std::optional(inode) : std::nullopt;
}

std::string user_name(std::uint32_t uid) {
    passwd entry{};
    passwd* found = nullptr;
    std::vector<char> buffer(4096);
    if (::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr) {
        return entry.pw_name;
    }
    return std::to_string(uid);
}

// The effective uid from /proc/PID/status ("Uid:\treal\teffective\tsaved\tfs").
std::optional<std::uint32_t> effective_uid(std::string_view status) {
    const auto at = status.find("\nUid:");
    if (at == std::string_view::npos) {
        return std::nullopt;
    }
    std::string_view rest = status.substr(at + 5);
    for (int field = 0; field < 2; ++field) {
        rest.remove_prefix(std::min(rest.size(), rest.find_first_not_of(" \t")));
        if (field == 0) {
            rest.remove_prefix(std::min(rest.size(), rest.find_first_of(" \t")));
        }
    }
    std::uint32_t uid = 0;
    const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), uid);
    return ec == std::errc{} && end != rest.data() ? std::optional(uid) : std::nullopt;
}

// /proc/PID/{comm,status,cgroup}: a few KiB (cgroup paths are at most PATH_MAX each).
constexpr TextLimits kProcLimits{"/proc file", 1 * kMiB, 64 * 1024};

// What /proc says about one process; nullopt when it is gone.
std::optional<ListenerProcess> describe(std::int32_t pid) {
    const std::string dir = fmt::format("/proc/{}/", pid);
    auto comm = read_text_file(dir + "comm", kProcLimits);
    auto status = read_text_file(dir + "status", kProcLimits);
    if (!comm || !status) {
        return std::nullopt;
    }
    ListenerProcess p;
    p.pid = pid;
    p.command = comm->substr(0, comm->find('\n'));
    p.uid = effective_uid(*status).value_or(0);
    p.user = user_name(p.uid);
    if (auto cgroup = read_text_file(dir + "cgroup", kProcLimits)) {
        CgroupPlace place = parse_cgroup(*cgroup);
        p.unit = std::move(place.unit);
        p.container = std::move(place.container);
    }
    return p;
}

struct Scan {
    std::map<std::uint64_t, std::set<std::int32_t>> pids_by_inode;
    std::vector<std::int32_t> unreadable;  // no permission to list its descriptors
};

// Every process's socket descriptors whose inode is one of `wanted`.
Scan scan_processes(const std::set<std::uint64_t>& wanted) {
    Scan scan;
    std::error_code ec;
    for (fs::directory_iterator proc("/proc", ec), end; !ec && proc != end; proc.increment(ec)) {
        const auto pid = pid_of(proc->path().filename().native());
        if (!pid) {
            continue;
        }
        std::error_code fd_ec;
        fs::directory_iterator fds(proc->path() / "fd", fd_ec);
        if (fd_ec == std::errc::permission_denied) {
            scan.unreadable.push_back(*pid);
        }
        for (; !fd_ec && fds != end; fds.increment(fd_ec)) {
            std::error_code link_ec;
            const fs::path target = fs::read_symlink(fds->path(), link_ec);
            const auto inode = link_ec ? std::nullopt : socket_inode(target.native());
            if (inode && wanted.contains(*inode)) {
                scan.pids_by_inode[*inode].insert(*pid);
            }
        }
    }
    return scan;
}

}  // namespace

Result<void> attach_owners(std::vector<Listener>& listeners) {
    std::set<std::uint64_t> wanted;
    for (const Listener& l : listeners) {
        wanted.insert(l.inode);
    }
    const Scan scan = scan_processes(wanted);
    std::map<std::int32_t, std::optional<ListenerProcess>> described;
    std::size_t unowned = 0;
    for (Listener& l : listeners) {
        if (const auto it = scan.pids_by_inode.find(l.inode); it != scan.pids_by_inode.end()) {
            for (const std::int32_t pid : it->second) {
                auto [entry, fresh] = described.try_emplace(pid);
                if (fresh) {
                    entry->second = describe(pid);
                }
                if (entry->second) {
                    l.processes.push_back(*entry->second);
                }
            }
        }
        unowned += l.processes.empty() ? 1U : 0U;
    }
    if (unowned > 0 && !scan.unreadable.empty()) {
        return fail(fmt::format("cannot read the open files of {} processes (pid {} first): permission denied, so "
                                "the owners of {} listeners are unknown (run as root)",
                                scan.unreadable.size(), scan.unreadable.front(), unowned));
    }
    return {};
}

}  // namespace portwarden::inv

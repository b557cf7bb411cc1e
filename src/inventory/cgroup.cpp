// /proc/PID/cgroup -> the process's systemd unit and container (inventory owners).
#include <array>

#include "portwarden/inventory.hpp"

namespace portwarden {
namespace {

bool ends_with(std::string_view s, std::string_view tail) {
    return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}
bool starts_with(std::string_view s, std::string_view head) { return s.substr(0, head.size()) == head; }

// The path of the unified hierarchy ("0::/system.slice/ssh.service"), else of name=systemd (v1).
std::string_view cgroup_path(std::string_view text) {
    std::string_view fallback;
    while (!text.empty()) {
        const auto eol = text.find('\n');
        const std::string_view line = text.substr(0, eol);
        text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
        const auto first = line.find(':');
        const auto second = first == std::string_view::npos ? first : line.find(':', first + 1);
        if (second == std::string_view::npos) {
            continue;
        }
        const std::string_view hierarchy = line.substr(0, first);
        const std::string_view controllers = line.substr(first + 1, second - first - 1);
        if (hierarchy == "0" && controllers.empty()) {
            return line.substr(second + 1);
        }
        if (controllers == "name=systemd") {
            fallback = line.substr(second + 1);
        }
    }
    return fallback;
}

// A container named by one path component (systemd cgroup driver, or a runtime's own tree
// when `parent` is its directory: /docker/ID, /lxc/NAME, kubepods .../pod.../ID).
std::optional<Container> container_of(std::string_view part, std::string_view parent) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 5> scopes{{
        {"docker-", "docker"}, {"libpod-", "podman"}, {"cri-containerd-", "containerd"},
        {"crio-", "cri-o"}, {"machine-", "machine"}}};
    if (ends_with(part, ".scope")) {
        const std::string_view name = part.substr(0, part.size() - 6);
        for (const auto& [prefix, runtime] : scopes) {
            if (starts_with(name, prefix) && !starts_with(name, "libpod-conmon-")) {
                return Container{std::string(runtime), std::string(name.substr(prefix.size()))};
            }
        }
    }
    if (starts_with(part, "systemd-nspawn@") && ends_with(part, ".service")) {
        return Container{"nspawn", std::string(part.substr(15, part.size() - 15 - 8))};
    }
    if (starts_with(part, "lxc.payload.")) {
        return Container{"lxc", std::string(part.substr(12))};
    }
    if (parent == "docker" || parent == "lxc") {
        return Container{std::string(parent), std::string(part)};
    }
    if (starts_with(parent, "pod") && part.size() == 64) {
        return Container{"kubernetes", std::string(part)};
    }
    return std::nullopt;
}

}  // namespace

CgroupPlace parse_cgroup(std::string_view text) {
    CgroupPlace place;
    std::string_view path = cgroup_path(text);
    place.path = std::string(path);
    std::string_view parent;
    std::optional<std::string> outer_unit;  // the unit before the last (user@.service of init.scope)
    while (!path.empty()) {
        const auto slash = path.find('/');
        const std::string_view part = path.substr(0, slash);
        path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash + 1);
        if (part.empty()) {
            continue;
        }
        if (!place.container) {
            place.container = container_of(part, parent);
        }
        if (ends_with(part, ".service") || ends_with(part, ".scope")) {
            outer_unit = std::move(place.unit);
            place.unit = std::string(part);
        }
        parent = part;
    }
    if (place.unit == "init.scope" && outer_unit) {
        place.unit = std::move(outer_unit);  // a user manager's own process: user@UID.service
    }
    return place;
}

}  // namespace portwarden

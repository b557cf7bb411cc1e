// The port-state map: an inline SVG of 65 536 cells, one per port number.
#include <array>

#include <fmt/format.h>

#include "portwarden/report.hpp"
#include "report/markers.hpp"

namespace portwarden::report {
namespace {

constexpr int grid = 256;
constexpr std::size_t cells = 65536;
constexpr std::size_t kinds = port_state_count + 1;  // the states, then "not scanned"
constexpr std::size_t none = port_state_count;

}  // namespace

std::string_view state_class(std::optional<PortState> state) {
    if (!state) {
        return "st-none";
    }
    switch (*state) {
    case PortState::open: return "st-open";
    case PortState::closed: return "st-closed";
    case PortState::filtered: return "st-filtered";
    case PortState::unfiltered: return "st-unfiltered";
    case PortState::open_filtered: return "st-open-filtered";
    case PortState::closed_filtered: return "st-closed-filtered";
    }
    return "st-none";
}

std::string render_portmap_svg(const HostResult& host, Proto proto) {
    std::vector<std::uint8_t> kind(cells, static_cast<std::uint8_t>(none));
    for (const PortResult& p : host.ports) {
        if (p.proto == proto) {
            kind[p.port] = static_cast<std::uint8_t>(p.state);
        }
    }
    std::array<std::size_t, kinds> count{};
    for (const std::uint8_t k : kind) {
        ++count[k];
    }
    std::size_t background = none;
    for (std::size_t k = 0; k < kinds; ++k) {
        if (count[k] > count[background]) {
            background = k;
        }
    }
    std::array<std::string, kinds> paths;
    for (int y = 0; y < grid; ++y) {
        int x = 0;
        while (x < grid) {
            const std::uint8_t k = kind[static_cast<std::size_t>(y * grid + x)];
            int end = x + 1;
            while (end < grid && kind[static_cast<std::size_t>(y * grid + end)] == k) {
                ++end;
            }
            if (k != background) {
                fmt::format_to(std::back_inserter(paths[k]), "M{} {}h{}v1h-{}z", x, y, end - x, end - x);
            }
            x = end;
        }
    }
    const auto state_of = [](std::size_t k) {
        return k == none ? std::optional<PortState>{} : std::optional<PortState>{static_cast<PortState>(k)};
    };
    std::string out = fmt::format(
        "<svg class=\"portmap\" data-proto=\"{}\" viewBox=\"0 0 {} {}\" "
        "width=\"512\" height=\"512\" shape-rendering=\"crispEdges\" role=\"img\" "
        "aria-label=\"{} ports 0-65535, row = port / 256\">"
        "<rect class=\"{}\" width=\"{}\" height=\"{}\"/>",
        to_string(proto), grid, grid, to_string(proto), state_class(state_of(background)), grid, grid);
    for (std::size_t k = 0; k < kinds; ++k) {
        if (!paths[k].empty()) {
            out += fmt::format("<path class=\"{}\" d=\"{}\"/>", state_class(state_of(k)), paths[k]);
        }
    }
    out += render_markers(kind, background, none, proto);
    out += "</svg>";
    return out;
}

}  // namespace portwarden::report

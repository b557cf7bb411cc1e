// The history timeline of the report: an inline SVG with one line per host (its open ports in
// each scan) and, below, one bar per scan (the ports that changed since the scan before).
#include <algorithm>
#include <array>
#include <ctime>
#include <map>

#include <fmt/format.h>

#include "output/format.hpp"
#include "portwarden/report.hpp"

namespace portwarden::report {
namespace {

constexpr double width = 720;
constexpr double left = 48;    // room for the y-axis numbers
constexpr double right = 16;
constexpr double top = 16;
constexpr double lines_height = 150;
constexpr double gap = 34;     // x labels between the two panels
constexpr double bars_height = 60;
constexpr double height = top + lines_height + gap + bars_height + 22;
constexpr std::array<std::string_view, 8> palette{"#1b9e77", "#7570b3", "#e7298a", "#66a61e",
                                                  "#e6ab02", "#a6761d", "#1f78b4", "#666666"};
constexpr std::size_t max_hosts = 8;  // lines drawn; the rest are counted in the legend

std::string day(std::chrono::system_clock::time_point t) {
    const std::time_t s = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&s, &tm);
    return fmt::format("{:04}-{:02}-{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

double x_of(std::size_t i, std::size_t n) {
    return n <= 1 ? left : left + (width - left - right) * static_cast<double>(i) / static_cast<double>(n - 1);
}

}  // namespace

std::string render_timeline_svg(const std::vector<TimelineScan>& scans) {
    const std::size_t n = scans.size();
    std::map<Address, std::vector<std::optional<std::size_t>>> hosts;  // per host: open ports per scan
    std::size_t max_open = 1;
    std::size_t max_changes = 1;
    for (std::size_t i = 0; i < n; ++i) {
        for (const auto& [address, open] : scans[i].open) {
            auto& series = hosts[address];
            series.resize(n);
            series[i] = open;
            max_open = std::max(max_open, open);
        }
        max_changes = std::max(max_changes, scans[i].changes);
    }
    std::string out = fmt::format(
        "<svg class=\"timeline\" viewBox=\"0 0 {} {}\" width=\"{}\" height=\"{}\" role=\"img\" "
        "aria-label=\"open ports per host and drift per scan, {} scans\">",
        width, height, width, height, n);
    const double base = top + lines_height;
    // Axes and scale: 0 and the maximum of each panel.
    out += fmt::format("<line class=\"axis\" x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\"/>"
                       "<text class=\"tick\" x=\"{3}\" y=\"{1}\" text-anchor=\"end\">0</text>"
                       "<text class=\"tick\" x=\"{3}\" y=\"{4}\" text-anchor=\"end\">{5}</text>"
                       "<text class=\"panel\" x=\"{0}\" y=\"{6}\">open ports per host</text>",
                       left, base, width - right, left - 6, top + 4, max_open, top - 4);
    const double bars_base = base + gap + bars_height;
    out += fmt::format("<line class=\"axis\" x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\"/>"
                       "<text class=\"tick\" x=\"{3}\" y=\"{4}\" text-anchor=\"end\">{5}</text>"
                       "<text class=\"panel\" x=\"{0}\" y=\"{6}\">drift: ports changed since the scan before</text>",
                       left, bars_base, width - right, left - 6, bars_base - bars_height + 4, max_changes,
                       bars_base - bars_height - 4);
    for (std::size_t i = 0; i < n; ++i) {
        const double x = x_of(i, n);
        const std::string_view anchor = i == 0 ? "start" : (i + 1 == n ? "end" : "middle");
        out += fmt::format("<text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"{}\">@{} {}</text>", x, base + 14,
                           anchor, scans[i].id, day(scans[i].time));
        const double h = bars_height * static_cast<double>(scans[i].changes) / static_cast<double>(max_changes);
        out += fmt::format("<rect class=\"drift-bar\" x=\"{}\" y=\"{}\" width=\"12\" height=\"{}\"><title>@{}: {} "
                           "changed</title></rect>",
                           x - 6, bars_base - h, h, scans[i].id, scans[i].changes);
    }
    std::size_t k = 0;
    std::string legend;
    for (const auto& [address, series] : hosts) {
        if (k == max_hosts) {
            legend += fmt::format("<tspan dx=\"12\">and {} more hosts</tspan>", hosts.size() - max_hosts);
            break;
        }
        const std::string_view colour = palette[k++];
        std::string points;
        for (std::size_t i = 0; i < n; ++i) {
            if (series.size() > i && series[i]) {
                const double y = base - lines_height * static_cast<double>(*series[i]) / static_cast<double>(max_open);
                points += fmt::format("{}{},{}", points.empty() ? "" : " ", x_of(i, n), y);
                out += fmt::format("<circle class=\"host-point\" cx=\"{}\" cy=\"{}\" r=\"3\" fill=\"{}\"><title>{} @{}: "
                                   "{} open</title></circle>",
                                   x_of(i, n), y, colour, output::xml_escape(address.to_string()), scans[i].id, *series[i]);
            }
        }
        out += fmt::format("<polyline class=\"host-line\" points=\"{}\" stroke=\"{}\"/>", points, colour);
        legend += fmt::format("<tspan dx=\"12\" fill=\"{}\">&#9632;</tspan><tspan dx=\"4\">{}</tspan>", colour,
                              output::xml_escape(address.to_string()));
    }
    out += fmt::format("<text class=\"legend-line\" x=\"{}\" y=\"{}\">{}</text>", left - 12, height - 4, legend);
    return out + "</svg>";
}

}  // namespace portwarden::report

// The markers over a port-state map: each run of consecutive ports in a state that is not the
// map's background gets a ring around its first cell, and the first runs (open ones first) a
// label ("22/tcp open", "8080-8082/tcp filtered"), so one open port among 65 535 closed ones is
// seen and named at a glance, where its single 2-pixel cell would not be.
#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "portwarden/report.hpp"
#include "report/markers.hpp"

namespace portwarden::report {
namespace {

constexpr int grid = 256;
constexpr std::size_t max_rings = 256;   // beyond: the legend and the table still count them
constexpr std::size_t max_labels = 24;
constexpr double font = 7;               // viewBox units (the map is drawn at 2 px a unit)
constexpr double char_width = 0.62 * font;

struct Run {
    std::uint16_t first;
    std::uint16_t last;
    PortState state;
};

struct Box {
    double x0, y0, x1, y1;
    bool overlaps(const Box& o) const { return x0 < o.x1 && o.x0 < x1 && y0 < o.y1 && o.y0 < y1; }
};

std::vector<Run> runs(const std::vector<std::uint8_t>& kind, std::size_t background, std::size_t none) {
    std::vector<Run> out;
    for (std::size_t p = 0; p < kind.size();) {
        std::size_t end = p + 1;
        while (end < kind.size() && kind[end] == kind[p]) {
            ++end;
        }
        if (kind[p] != background && kind[p] != none) {
            out.push_back(Run{static_cast<std::uint16_t>(p), static_cast<std::uint16_t>(end - 1),
                              static_cast<PortState>(kind[p])});
        }
        p = end;
    }
    // Open ports first: they are what a reader looks for.
    std::stable_sort(out.begin(), out.end(), [](const Run& a, const Run& b) {
        return (a.state == PortState::open) > (b.state == PortState::open);
    });
    return out;
}

std::string label_text(const Run& r, Proto proto) {
    const std::string ports = r.first == r.last ? fmt::format("{}", r.first) : fmt::format("{}-{}", r.first, r.last);
    return fmt::format("{}/{} {}", ports, to_string(proto), to_string(r.state));
}

}  // namespace

std::string render_markers(const std::vector<std::uint8_t>& kind, std::size_t background, std::size_t none, Proto proto) {
    const std::vector<Run> all = runs(kind, background, none);
    std::string rings;
    std::string labels;
    std::vector<Box> placed;
    for (std::size_t i = 0; i < all.size() && i < max_rings; ++i) {
        const Run& r = all[i];
        const double cx = r.first % grid + 0.5;
        const double cy = r.first / grid + 0.5;
        fmt::format_to(std::back_inserter(rings), "<circle class=\"ring {}\" cx=\"{}\" cy=\"{}\" r=\"4\"/>",
                       state_class(r.state), cx, cy);
        if (i >= max_labels) {
            continue;
        }
        const std::string text = label_text(r, proto);
        const double width = static_cast<double>(text.size()) * char_width;
        const bool left = cx + 6 + width > grid;  // near the right edge: the label goes left
        const double y0 = std::clamp(cy - font / 2, 0.0, grid - font);
        Box box{left ? cx - 6 - width : cx + 6, y0, left ? cx - 6 : cx + 6 + width, y0 + font};
        // Move down (then up) past labels already placed; a leader line joins it to its ring.
        for (int step = 1; step < 40 && std::any_of(placed.begin(), placed.end(), [&](const Box& b) { return b.overlaps(box); });
             ++step) {
            const double dy = (step % 2 == 1 ? 1 : -1) * ((step + 1) / 2) * (font + 1);
            box.y0 = std::clamp(cy - font / 2 + dy, 0.0, grid - font);
            box.y1 = box.y0 + font;
        }
        placed.push_back(box);
        const double ty = box.y0 + font * 0.85;
        fmt::format_to(std::back_inserter(labels),
                       "<line class=\"leader\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>"
                       "<rect class=\"label-bg\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"1\"/>"
                       "<text class=\"marker-label\" x=\"{}\" y=\"{}\" text-anchor=\"{}\">{}</text>",
                       cx, cy, left ? box.x1 : box.x0, (box.y0 + box.y1) / 2, box.x0 - 1, box.y0 - 0.5, width + 2,
                       font + 1, left ? box.x1 : box.x0, ty, left ? "end" : "start", text);
    }
    if (rings.empty()) {
        return "";
    }
    return fmt::format("<g class=\"markers\" font-size=\"{}\">{}{}</g>", font, rings, labels);
}

}  // namespace portwarden::report

#pragma once
// `portwarden report`: one self-contained HTML page (inline CSS and SVG, nothing fetched) with,
// per host, a map of its port states, the ports worth a look, the policy violations (an audit
// evaluation) and the drift since a previous scan (a diff). README "portwarden report".
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "portwarden/audit.hpp"
#include "portwarden/diff.hpp"
#include "portwarden/results.hpp"

namespace portwarden::report {

// One scan of the history, for the timeline: how many ports each host had open, and how many
// ports (and hosts) changed since the scan before it (diff_scans; 0 for the first).
struct TimelineScan {
    std::int64_t id = 0;
    std::chrono::system_clock::time_point time;
    std::vector<std::pair<Address, std::size_t>> open;  // per host, sorted by address
    std::size_t changes = 0;
};

struct ReportInput {
    std::string name;  // the scan, as given (a file or @id)
    const std::vector<HostResult>* hosts = nullptr;
    const audit::Policy* policy = nullptr;          // with evaluation: the violations section
    const audit::Evaluation* evaluation = nullptr;
    std::string previous_name;                      // with drift: the drift section
    const ScanDiff* drift = nullptr;
    const std::vector<TimelineScan>* timeline = nullptr;  // oldest first; 2 or more: the timeline section
};

std::string render_html(const ReportInput& input);

// The state map of one host's ports of one protocol: a 256x256 grid, port p at column p % 256
// of row p / 256, one colour per state; runs of a state along a row are merged into one path
// segment and the most common state is the background, so a -p- scan stays small.
std::string render_portmap_svg(const HostResult& host, Proto proto);

// The timeline chart: each host's open ports per scan (a line per host) above the drift per
// scan (a bar: ports changed since the scan before), x = the scans in order, labelled @id and day.
std::string render_timeline_svg(const std::vector<TimelineScan>& scans);

// The CSS class of a state's cells ("st-open", "st-open-filtered", ...; "st-none": not scanned).
std::string_view state_class(std::optional<PortState> state);

}  // namespace portwarden::report

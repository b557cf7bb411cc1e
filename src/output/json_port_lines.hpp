#pragma once
// The "port" records of -oJ (json_writer.cpp), the bulk of its output (65 535 lines per host with
// -p-): formatted directly, the per-host parts once, then only the fields of each port. The
// field order and the JSON produced are the same as for a record built with
// nlohmann::ordered_json.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "portwarden/results.hpp"
#include "portwarden/version.hpp"

namespace portwarden::output {

class PortLines {
public:
    PortLines(const HostResult& host, const ServiceFindings* versions);

    // Appends port `p`'s line (with its newline) to `out`.
    void append(std::string& out, const PortResult& p);

    // An upper bound of a line's length without its reason_ip (the fields' longest values).
    std::size_t typical_line() const { return prefix_.size() + time_.size() + 120; }

private:
    // `,"state":"...","reason":"..."`, made at the first port of each pair (a host has a few).
    const std::string& state_and_reason(PortState state, Reason reason);

    const ServiceFindings* versions_;
    Address address_;
    std::string prefix_;
    std::string time_;
    std::string tail_;                         // `,"time":"..."}` and the newline
    std::array<std::string, 2> heads_;         // per protocol: the line up to the port number
    std::vector<std::tuple<PortState, Reason, std::string>> states_;
    const ResponderReport* forged_ = nullptr;  // the host's report, when it found forged replies
};

}  // namespace portwarden::output

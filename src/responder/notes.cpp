// Names and the one-line notes of the responder analysis (normal output, explain, audit).
#include <fmt/format.h>

#include "portwarden/responder.hpp"

namespace portwarden {

std::string_view to_string(Confidence c) {
    switch (c) {
        case Confidence::low: return "low";
        case Confidence::medium: return "medium";
        case Confidence::high: return "high";
    }
    return "low";
}

std::optional<Confidence> parse_confidence(std::string_view text) {
    for (const auto c : {Confidence::low, Confidence::medium, Confidence::high}) {
        if (to_string(c) == text) {
            return c;
        }
    }
    return std::nullopt;
}

std::string_view to_string(IpIdBehaviour b) {
    switch (b) {
        case IpIdBehaviour::none: return "none";
        case IpIdBehaviour::zero: return "zero";
        case IpIdBehaviour::constant: return "constant";
        case IpIdBehaviour::varied: return "varied";
    }
    return "none";
}

namespace {

// "22,80,8000-8002" of the forged ports of one confidence.
std::string port_ranges(const std::vector<std::uint16_t>& ports) {
    std::string out;
    for (std::size_t i = 0; i < ports.size();) {
        std::size_t j = i;
        while (j + 1 < ports.size() && ports[j + 1] == ports[j] + 1) {
            ++j;
        }
        out += (out.empty() ? "" : ",") + (j == i ? fmt::format("{}", ports[i]) : fmt::format("{}-{}", ports[i], ports[j]));
        i = j + 1;
    }
    return out;
}

}  // namespace

std::vector<std::string> responder_notes(const ResponderReport& report) {
    std::vector<std::string> out;
    if (report.spoofer) {
        out.push_back(fmt::format("{} ({} confidence): {}", report.spoofer->tarpit ? "tarpit" : "port-spoofer",
                                  to_string(report.spoofer->confidence), report.spoofer->evidence));
    }
    for (const auto c : {Confidence::high, Confidence::medium, Confidence::low}) {
        std::vector<std::uint16_t> ports;
        const ForgedReply* first = nullptr;
        for (const ForgedReply& f : report.forged) {
            if (f.confidence == c) {
                ports.push_back(f.port);
                first = first != nullptr ? first : &f;
            }
        }
        if (first != nullptr) {
            out.push_back(fmt::format("{} repl{} forged by a middlebox ({} confidence), ports {}: e.g. {}", ports.size(),
                                      ports.size() == 1 ? "y" : "ies", to_string(c), port_ranges(ports), first->evidence));
        }
    }
    for (const FilteringDevice& d : report.filters) {
        std::string reasons;
        for (const Reason r : d.reasons) {
            reasons += (reasons.empty() ? "" : ", ") + std::string(to_string(r));
        }
        out.push_back(fmt::format("filtered by {}: its ICMP errors ({}) answered {} port{}", d.address.to_string(),
                                  reasons, d.ports, d.ports == 1 ? "" : "s"));
    }
    return out;
}

}  // namespace portwarden

// Names and the one-line notes of the responder analysis (normal output, explain, audit).
#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "responder/notes.hpp"

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

namespace {

std::optional<std::uint32_t> number(std::string_view text) {
    std::uint32_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    return ec == std::errc() && end == text.data() + text.size() ? std::optional{v} : std::nullopt;
}

// "22,1000-1009" -> the ports; nothing when a piece is not a port or a range of them.
std::optional<std::vector<std::uint16_t>> parse_ranges(std::string_view text) {
    std::vector<std::uint16_t> out;
    while (!text.empty()) {
        const auto comma = text.find(',');
        const std::string_view item = text.substr(0, comma);
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
        const auto dash = item.find('-');
        const auto lo = number(item.substr(0, dash));
        const auto hi = dash == std::string_view::npos ? lo : number(item.substr(dash + 1));
        if (!lo || !hi || *lo == 0 || *hi > 65535 || *lo > *hi || out.size() + (*hi - *lo) > 65535) {
            return std::nullopt;
        }
        for (std::uint32_t p = *lo; p <= *hi; ++p) {
            out.push_back(static_cast<std::uint16_t>(p));
        }
    }
    return out;
}

// "(high confidence)" at the front of `rest`, moving past it.
std::optional<Confidence> take_confidence(std::string_view& rest) {
    const auto close = rest.find(" confidence)");
    if (rest.empty() || rest.front() != '(' || close == std::string_view::npos) {
        return std::nullopt;
    }
    const auto c = parse_confidence(rest.substr(1, close - 1));
    rest.remove_prefix(close + std::string_view(" confidence)").size());
    return c;
}

bool read_spoofer(std::string_view note, ResponderReport& report) {
    const bool tarpit = note.starts_with("tarpit (");
    if (!tarpit && !note.starts_with("port-spoofer (")) {
        return false;
    }
    std::string_view rest = note.substr(note.find('('));
    const auto c = take_confidence(rest);
    if (!c || !rest.starts_with(": ")) {
        return false;
    }
    PortSpoofer s{tarpit, *c, 0, 0, std::string(rest.substr(2))};
    constexpr std::string_view kOn = "SYN-ACK on ";
    if (s.evidence.starts_with(kOn)) {  // "SYN-ACK on N of M ports probed..."
        const std::string_view counts = std::string_view(s.evidence).substr(kOn.size());
        const auto of = counts.find(" of ");
        const auto end = counts.find(" ports");
        if (of != std::string_view::npos && end != std::string_view::npos && of < end) {
            s.open = number(counts.substr(0, of)).value_or(0);
            s.probed = number(counts.substr(of + 4, end - of - 4)).value_or(0);
        }
    }
    report.spoofer = std::move(s);
    return true;
}

}  // namespace

bool read_responder_note(std::string_view note, ResponderReport& report) {
    if (read_spoofer(note, report)) {
        return true;
    }
    constexpr std::string_view kForged = " forged by a middlebox ";
    constexpr std::string_view kPorts = ", ports ";
    constexpr std::string_view kExample = ": e.g. ";
    const auto at = note.find(kForged);
    if (at == std::string_view::npos) {
        return false;
    }
    std::string_view rest = note.substr(at + kForged.size());
    const auto c = take_confidence(rest);
    const auto example = rest.find(kExample);
    if (!c || !rest.starts_with(kPorts) || example == std::string_view::npos) {
        return false;
    }
    const auto ports = parse_ranges(rest.substr(kPorts.size(), example - kPorts.size()));
    if (!ports) {
        return false;
    }
    const std::string evidence(rest.substr(example + kExample.size()));
    const ReplyKind kind = evidence.starts_with("SYN-ACK") ? ReplyKind::syn_ack : ReplyKind::rst;
    for (const std::uint16_t p : *ports) {
        report.forged.push_back(ForgedReply{Proto::tcp, p, kind, 0, *c, evidence});
    }
    std::sort(report.forged.begin(), report.forged.end(), [](const ForgedReply& a, const ForgedReply& b) {
        return std::pair(a.proto, a.port) < std::pair(b.proto, b.port);
    });
    return true;
}

}  // namespace portwarden

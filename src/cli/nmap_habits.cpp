#include "cli/nmap_habits.hpp"

#include <net/if.h>

#include <algorithm>
#include <charconv>
#include <optional>

#include <fmt/format.h>

namespace portwarden::cli {
namespace {

std::string clock_text(std::chrono::steady_clock::duration d) {
    const auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
    return fmt::format("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
}

}  // namespace

bool list_targets(const TargetSet& targets, OutputSet& outputs, const output::RunInfo& info,
                  BulkReverseLookup* rdns) {
    constexpr std::uint64_t kChunk = 1024;  // addresses looked up before they are written
    const auto start = std::chrono::steady_clock::now();
    outputs.begin(info);
    ScanSummary summary;
    summary.start_time = info.start_time;
    summary.engine = "list";
    std::vector<Address> chunk;
    for (std::uint64_t first = 0; first < targets.size() && !outputs.reader_gone(); first += kChunk) {
        chunk.clear();
        for (std::uint64_t i = first; i < std::min(targets.size(), first + kChunk); ++i) {
            chunk.push_back(targets.at(i));
        }
        const std::vector<std::string> names = rdns != nullptr ? rdns->names(chunk) : std::vector<std::string>{};
        for (std::size_t i = 0; i < chunk.size() && !outputs.reader_gone(); ++i) {
            HostResult host;
            host.address = chunk[i];
            host.hostname = targets.hostname_of(host.address);
            if (!names.empty()) {
                host.ptr_name = names[i];
            }
            host.state = HostState::unknown;
            host.reason = Reason::user_set;
            host.start_time = host.end_time = std::chrono::system_clock::now();
            outputs.host(host);
            ++summary.hosts_done;
        }
    }
    summary.hosts_total = summary.hosts_done;
    summary.elapsed = std::chrono::steady_clock::now() - start;
    summary.end_time = std::chrono::system_clock::now();
    if (rdns != nullptr && rdns->gave_up()) {
        fmt::print(stderr,
                   "portwarden: reverse DNS: the resolver left {} lookups unanswered, the last ones in a row; "
                   "{} addresses were not looked up\n",
                   rdns->unanswered(), rdns->skipped());
    }
    return outputs.end(summary);
}

Result<std::uint64_t> parse_host_group(std::string_view flag, const std::string& text) {
    constexpr std::uint64_t kMost = std::uint64_t{1} << 20;
    std::uint64_t n = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size() || n < 1 || n > kMost) {
        return fail(fmt::format("bad {} '{}': expected a number of hosts 1-{}", flag, text, kMost));
    }
    return n;
}

Result<RawSourceOptions> parse_raw_source(const std::string& interface, const std::string& source_address,
                                          const std::string& source_port, const std::string& ttl) {
    RawSourceOptions out;
    const auto number = [](const std::string& text, unsigned most) -> std::optional<unsigned> {
        unsigned n = 0;
        const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
        if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size() || n > most) {
            return std::nullopt;
        }
        return n;
    };
    if (!interface.empty()) {
        if (interface.size() >= 16 || ::if_nametoindex(interface.c_str()) == 0) {  // IFNAMSIZ
            return fail(fmt::format("bad -e '{}': no such interface", interface));
        }
        out.interface = interface;
    }
    if (!source_address.empty()) {
        auto address = Address::parse(source_address);
        if (!address) {
            return fail(fmt::format("bad -S '{}': expected an IPv4 or IPv6 address", source_address));
        }
        out.source = *address;
    }
    if (!source_port.empty()) {
        const auto port = number(source_port, 65535);
        if (!port || *port == 0) {
            return fail(fmt::format("bad -g/--source-port '{}': expected a port 1-65535", source_port));
        }
        out.source_port = static_cast<std::uint16_t>(*port);
    }
    if (!ttl.empty()) {
        const auto value = number(ttl, 255);
        if (!value) {
            return fail(fmt::format("bad --ttl '{}': expected 0-255", ttl));
        }
        out.ttl = static_cast<std::uint8_t>(*value);
    }
    return out;
}

void StatsEvery::update(const ScanProgress& p) {
    if (interval_.count() <= 0 || p.elapsed < next_) {
        return;
    }
    while (next_ <= p.elapsed) {
        next_ += interval_;
    }
    const double done = p.probes_total > 0
                            ? 100.0 * static_cast<double>(p.probes_done) / static_cast<double>(p.probes_total)
                            : 0;
    std::string remaining;
    if (p.probes_done > 0 && p.probes_total > p.probes_done) {
        const double per = std::chrono::duration<double>(p.elapsed).count() / static_cast<double>(p.probes_done);
        remaining = fmt::format(
            " ({} remaining)",
            clock_text(std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(
                per * static_cast<double>(p.probes_total - p.probes_done)))));
    }
    fmt::print(out_, "Stats: {} elapsed; {} hosts completed; {}/{} ports, about {:.2f}% done{}; {} open\n",
               clock_text(p.elapsed), p.hosts_done, p.probes_done, p.probes_total, done, remaining, p.open_found);
    std::fflush(out_);
}

}  // namespace portwarden::cli

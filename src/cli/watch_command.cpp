// `portwarden watch`: a scan detector for this host or a network namespace, from packets
// (AF_PACKET ring, read-only) or from firewall log lines (--log FILE|-). See README "watch".
// Exit codes: 0 no scan seen, 1 scans detected, 2 error (one line on stderr).
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string_view>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "audit/webhook.hpp"
#include "cli/cli11_parse.hpp"
#include "cli/commands.hpp"
#include "cli/signals.hpp"
#include "portwarden/error.hpp"
#include "portwarden/watch.hpp"
#include "watch/alert_format.hpp"
#include "watch/log_watch.hpp"
#include "watch/packet_watch.hpp"

namespace portwarden::cli {
namespace {

struct WatchArgs {
    watch::CaptureOptions capture;
    std::string log;
    std::string json_file;
    std::string webhook;
    bool json = false;
    std::string table_slots;  // --table-slots as given (parse_count)
    std::size_t slots = watch::Config{}.table_slots;
    std::string ring_mb;      // --ring-mb as given (parse_count)
};

constexpr std::size_t kMinTableSlots = 8;
constexpr std::size_t kMaxTableSlots = std::size_t{1} << 24;

// A whole number in [low, high]; the error names the flag, the value and the range
// ("bad --ring-mb '0': expected MiB 1-1024"), as every other bad value does.
Result<std::size_t> parse_count(std::string_view flag, const std::string& text, std::string_view what,
                                std::size_t low, std::size_t high) {
    std::size_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || n < low || n > high) {
        return fail(fmt::format("bad {} '{}': expected {} {}-{}", flag, text, what, low, high));
    }
    return n;
}

// Where alerts go: stdout (JSON lines or human lines), -oJ FILE, the webhook.
class AlertSink {
public:
    AlertSink(const WatchArgs& args, std::FILE* file, std::optional<audit::WebhookUrl> webhook, double epoch)
        : json_(args.json), file_(file), webhook_(std::move(webhook)), epoch_(epoch) {}

    void operator()(const watch::Alert& alert) {
        alerts_ += alert.end || alert.update ? 0 : 1;
        const std::string json = watch::alert_json(alert, epoch_);
        fmt::print("{}\n", json_ ? json : watch::alert_line(alert, epoch_));
        std::fflush(stdout);
        if (file_ != nullptr) {
            fmt::print(file_, "{}\n", json);
            std::fflush(file_);
        }
        if (webhook_) {
            const auto status = audit::post_webhook(*webhook_, json, std::chrono::seconds(2));
            if (!status || *status < 200 || *status > 299) {
                fmt::print(stderr, "portwarden: warning: --webhook: {}\n",
                           status ? fmt::format("HTTP status {}", *status) : status.error().message);
            }
        }
    }
    std::uint64_t alerts() const { return alerts_; }

private:
    bool json_;
    std::FILE* file_;
    std::optional<audit::WebhookUrl> webhook_;
    double epoch_;
    std::uint64_t alerts_ = 0;
};

double unix_now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

int run(const WatchArgs& args, std::FILE* file, std::optional<audit::WebhookUrl> webhook) {
    watch::Config config;
    config.table_slots = args.slots;
    const auto start = std::chrono::steady_clock::now();
    // Log lines carry the kernel's stamp (seconds since boot, as CLOCK_MONOTONIC counts them) and
    // lines without one are stamped on that clock too (log_watch.cpp): alerts are dated from the
    // boot, so a followed kernel log gives the wall-clock time. Packets are timed from the start.
    const double boot = unix_now() - watch::seconds_since(std::chrono::steady_clock::time_point{});
    AlertSink sink(args, file, std::move(webhook), args.log.empty() ? unix_now() : boot);
    watch::Detector detector(config, [&sink](const watch::Alert& a) { sink(a); });
    SignalStop signals;
    const std::size_t bound = watch::Detector::memory_bound(config);
    std::string source_summary;
    double end_time = 0;  // on the detector's clock
    if (!args.log.empty()) {
        const auto counted = watch::watch_log(args.log, args.capture.duration, detector, start, signals.token());
        if (!counted) {
            return bad_input(counted.error().message);
        }
        end_time = counted->last_time;
        source_summary = fmt::format("{} lines, {} firewall log lines, {} skipped (not firewall log lines)",
                                     counted->lines, counted->packets, counted->skipped);
    } else {
        const auto ready = [&] {
            fmt::print(stderr, "portwarden watch: watching {} on {} (up to {} sources, memory bound {} bytes, "
                       "{} MiB ring)\n",
                       args.capture.netns.empty() ? "this namespace" : "namespace " + args.capture.netns,
                       args.capture.interface.empty() ? "every interface" : args.capture.interface,
                       config.table_slots, bound, args.capture.ring_mb);
            std::fflush(stderr);
        };
        const auto counted = watch::watch_packets(args.capture, detector, start, signals.token(), ready);
        if (!counted) {
            return bad_input(counted.error().message);
        }
        end_time = watch::seconds_since(start) + 1;
        source_summary = fmt::format("{} frames, {} malformed, {} dropped by the kernel", counted->frames,
                                     counted->malformed, counted->drops);
    }
    detector.finish(end_time);
    const watch::Stats stats = detector.stats();
    fmt::print(stderr, "portwarden watch: {}; {} probes, {} answers, {} sources tracked, {} evicted; {} scans\n",
               source_summary, stats.probes, stats.answers, stats.sources, stats.evictions, sink.alerts());
    return sink.alerts() > 0 ? 1 : exit_ok;
}

}  // namespace

int watch_command(const std::vector<std::string>& args) {
    CLI::App app{"portwarden watch: detect port scans against this host (or a network namespace) from packets "
                 "or firewall log lines; one alert per scanning source",
                 "portwarden watch"};
    WatchArgs a;
    app.add_option("--netns", a.capture.netns, "watch a named network namespace (/run/netns/NAME)");
    app.add_option("-i,--interface", a.capture.interface, "one interface (default: every interface)");
    app.add_option("--log", a.log, "read firewall log lines (iptables LOG / nftables log) from FILE, - for stdin, "
                                   "instead of packets");
    app.add_flag("--json", a.json, "alerts as JSON lines on stdout (default: one human line each)");
    app.add_option("--output-json", a.json_file, "-oJ FILE: alerts as JSON lines to FILE as well");
    app.add_option("--webhook", a.webhook, "POST each alert's JSON to http[s]://HOST[:PORT]/PATH (2 s time-outs; as audit --webhook)");
    app.add_option("--duration", a.capture.duration, "stop after SECONDS (default: until Ctrl-C / end of --log FILE)")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--table-slots", a.table_slots,
                   fmt::format("sources tracked at once, {}-{} (fixed memory; default {})", kMinTableSlots,
                               kMaxTableSlots, watch::Config{}.table_slots));
    app.add_option("--ring-mb", a.ring_mb,
                   fmt::format("packet receive ring in MiB, {}-{} (mapped: in the RSS; default {}, no drops of a "
                               "full-rate scan of all ports on a loaded 2-core machine)",
                               watch::kMinRingMb, watch::kMaxRingMb, watch::kDefaultRingMb));
    app.footer("exit: 0 no scan seen, 1 scans detected, 2 error");
    std::vector<std::string> mapped = args;
    std::replace(mapped.begin(), mapped.end(), std::string("-oJ"), std::string("--output-json"));
    if (auto code = parse_or_exit(app, mapped)) {
        return *code;
    }
    if (app.count("--ring-mb") > 0) {
        auto mb = parse_count("--ring-mb", a.ring_mb, "MiB", watch::kMinRingMb, watch::kMaxRingMb);
        if (!mb) {
            return bad_input(mb.error().message);
        }
        a.capture.ring_mb = *mb;
    }
    if (app.count("--table-slots") > 0) {
        auto slots = parse_count("--table-slots", a.table_slots, "a count", kMinTableSlots, kMaxTableSlots);
        if (!slots) {
            return bad_input(slots.error().message);
        }
        a.slots = *slots;
    }
    if (!a.log.empty() && (!a.capture.netns.empty() || !a.capture.interface.empty() || app.count("--ring-mb") > 0)) {
        return bad_input("--log reads log lines: --netns, -i and --ring-mb are for packet capture, not both");
    }
    std::optional<audit::WebhookUrl> webhook;
    if (!a.webhook.empty()) {
        auto url = audit::parse_webhook_url(a.webhook);
        if (!url) {
            return bad_input(url.error().message);
        }
        webhook = *url;
    }
    std::FILE* file = nullptr;
    if (!a.json_file.empty()) {
        file = a.json_file == "-" ? stdout : std::fopen(a.json_file.c_str(), "w");
        if (file == nullptr) {
            return bad_input(fmt::format("-oJ {}: cannot write: {}", a.json_file, std::strerror(errno)));
        }
    }
    const int code = run(a, file == stdout ? nullptr : file, std::move(webhook));
    if (file != nullptr && file != stdout) {
        std::fclose(file);
    }
    return code;
}

}  // namespace portwarden::cli

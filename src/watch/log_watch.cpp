#include "watch/log_watch.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "portwarden/watch.hpp"
#include "watch/packet_watch.hpp"

namespace portwarden::watch {
namespace {

class LineFeeder {
public:
    LineFeeder(Detector& detector, LogCounters& counters) : detector_(detector), counters_(counters) {}

    void line(std::string_view text) {
        ++counters_.lines;
        auto logged = parse_log_line(text);
        if (!logged) {
            ++counters_.skipped;
            return;
        }
        ++counters_.packets;
        // Kernel stamps (seconds since boot) keep a replayed file's pacing; lines without one
        // are stamped as they are read, on the same clock (CLOCK_MONOTONIC: since boot).
        if (!logged->has_time) {
            logged->probe.time = seconds_since(std::chrono::steady_clock::time_point{});
        }
        last_time_ = logged->probe.time;
        detector_.logged(logged->probe, logged->accepted);
    }

    // The clock of the lines read so far (kernel stamps, or the read time), for tick().
    double last_time() const { return last_time_; }

    void bytes(std::string_view chunk) {
        for (const char c : chunk) {
            if (c == '\n') {
                line(pending_);
                pending_.clear();
            } else if (pending_.size() < kMaxLine) {
                pending_.push_back(c);
            }
        }
    }

    void finish() {
        if (!pending_.empty()) {
            line(pending_);
            pending_.clear();
        }
    }

private:
    static constexpr std::size_t kMaxLine = 8192;  // longer lines are cut (still one line)
    Detector& detector_;
    LogCounters& counters_;
    std::string pending_;
    double last_time_ = 0;
};

}  // namespace

Result<LogCounters> watch_log(const std::string& path, double duration, Detector& detector,
                              std::chrono::steady_clock::time_point start, std::stop_token stop) {
    const bool from_stdin = path == "-";
    const int fd = from_stdin ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return fail(fmt::format("--log {}: cannot open: {}", path, std::strerror(errno)));
    }
    LogCounters counters;
    LineFeeder feeder(detector, counters);
    std::array<char, 65536> buffer{};
    Result<LogCounters> result = counters;
    while (!stop.stop_requested() && (duration <= 0 || seconds_since(start) < duration)) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 100) == 0) {
            detector.tick(feeder.last_time());
            continue;
        }
        const ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            result = fail(fmt::format("--log {}: cannot read: {}", path, std::strerror(errno)));
            break;
        }
        if (n == 0) {
            break;
        }
        feeder.bytes(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
    }
    feeder.finish();
    counters.last_time = feeder.last_time();
    if (!from_stdin) {
        ::close(fd);
    }
    if (result) {
        result = counters;
    }
    return result;
}

}  // namespace portwarden::watch

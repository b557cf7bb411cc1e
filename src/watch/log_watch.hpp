#pragma once
// The log source of `portwarden watch --log FILE|-`: firewall log lines from a file (read to its
// end) or from standard input (followed until EOF, the deadline or a stop request; e.g.
// `journalctl -k -f -o cat | portwarden watch --log -`). Lines that are not firewall log lines
// are skipped and counted, never fatal.
#include <chrono>
#include <stop_token>
#include <string>

#include "portwarden/error.hpp"
#include "portwarden/watch.hpp"

namespace portwarden::watch {

struct LogCounters {
    std::uint64_t lines = 0;
    std::uint64_t packets = 0;  // firewall log lines fed to the detector
    std::uint64_t skipped = 0;  // lines that were not firewall log lines
    double last_time = 0;       // the clock of the last line (its kernel stamp, or when read)
};

// Fails (one line naming the file) only when the file cannot be opened or read.
Result<LogCounters> watch_log(const std::string& path, double duration, Detector& detector,
                              std::chrono::steady_clock::time_point start, std::stop_token stop);

}  // namespace portwarden::watch

#pragma once
// --shard I/N, and the resume file of an interrupted raw scan: the seed and the resume point,
// bound to a fingerprint of what was scanned, so it cannot be applied to another scan.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "portwarden/error.hpp"
#include "portwarden/scan.hpp"

namespace portwarden::cli {

bool io_can_use_raw_sockets();
std::uint64_t random_seed();

// "I/N" with 0 <= I < N <= 65536.
Result<std::pair<std::uint32_t, std::uint32_t>> parse_shard(const std::string& text);

// A digest of the technique, ports, targets and shard (not the seed, not the timing).
std::string scan_fingerprint(const ScanRequest& request);

struct ResumeState {
    std::uint64_t seed = 0;
    ResumePoint point;
};
// Errors name the file (and line): "FILE:3: ...".
Result<ResumeState> read_resume_file(const std::string& path, const std::string& fingerprint);
// The same on text already read (the plain format, or -oJ output); `path` only names it.
Result<ResumeState> parse_resume_text(std::string_view text, const std::string& path, const std::string& fingerprint);
std::string format_resume_file(const std::string& fingerprint, std::uint64_t seed, const ResumePoint& point);

// Writes the resume file (if it can) and prints one line on stderr saying how to go on.
void report_resume_point(const std::string& path, const std::string& fingerprint, std::uint64_t seed,
                         const ResumePoint& point);

}  // namespace portwarden::cli

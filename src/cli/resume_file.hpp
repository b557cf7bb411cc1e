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

// "I/N" with 0 <= I < N <= 65536.
Result<std::pair<std::uint32_t, std::uint32_t>> parse_shard(const std::string& text);

// A digest of the technique, ports, targets and shard (not the seed, not the timing).
std::string scan_fingerprint(const ScanRequest& request);

// The fingerprint a resume file (and the -oJ "resume" object) carries: the scan's fingerprint
// bound to the seed and the resume point, so a file whose seed, group or position was changed
// (another subset, a point past the end) is refused like one for another scan.
std::string resume_seal(const std::string& fingerprint, std::uint64_t seed, const ResumePoint& point);

struct ResumeState {
    std::uint64_t seed = 0;
    ResumePoint point;
};
// Errors name the file (and line): "FILE:3: ...". `fingerprint` is scan_fingerprint's.
Result<ResumeState> read_resume_file(const std::string& path, const std::string& fingerprint);
// The same on text already read (the plain format, or -oJ output); `path` only names it.
Result<ResumeState> parse_resume_text(std::string_view text, const std::string& path, const std::string& fingerprint);
std::string format_resume_file(const std::string& fingerprint, std::uint64_t seed, const ResumePoint& point);

// Where an interrupted raw scan writes its resume point (--resume-file). Made before the scan:
// a raw scan started as root runs as nobody by its end, and nobody can neither create nor
// rewrite a file in a directory only root may write. So an existing resume file (a resumed
// scan, stopped again) is opened now; a new one is created at the end, and when that is
// refused, written to a new file in $TMPDIR (or /tmp) instead, named on stderr. A new file is
// written beside the path and renamed over it: a symbolic link planted there (a shared
// directory) is replaced, never followed; an existing file is reused only if it is this
// user's regular file with a single link.
class ResumeTarget {
public:
    ResumeTarget(std::string path, bool json_output);  // json_output: -oJ/-oA holds the point too
    ~ResumeTarget();
    ResumeTarget(const ResumeTarget&) = delete;
    ResumeTarget& operator=(const ResumeTarget&) = delete;

    // Writes the resume file and prints one line on stderr saying how to go on.
    void report(const std::string& fingerprint, std::uint64_t seed, const ResumePoint& point) const;

private:
    std::string path_;
    int fd_ = -1;
    bool json_output_ = false;
};

}  // namespace portwarden::cli

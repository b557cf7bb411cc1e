#pragma once
// One status line on stderr while a scan runs (only on a terminal, and not with -q):
//   12034/65535 ports (18%) | 48210/s | ETA 1s | 3 open
#include <cstdio>

#include "portwarden/scan.hpp"

namespace portwarden::cli {

class ProgressLine {
public:
    ProgressLine(std::FILE* out, bool enabled);
    void update(const ScanProgress& progress);
    void clear();  // erase the line before other output and at the end

private:
    std::FILE* out_;
    bool enabled_;
    bool shown_ = false;
};

}  // namespace portwarden::cli

#include "cli/progress.hpp"

#include <fmt/format.h>

namespace portwarden::cli {

ProgressLine::ProgressLine(std::FILE* out, bool enabled) : out_(out), enabled_(enabled) {}

void ProgressLine::update(const ScanProgress& p) {
    if (!enabled_) {
        return;
    }
    const double seconds = std::chrono::duration<double>(p.elapsed).count();
    const double rate = seconds > 0 ? static_cast<double>(p.probes_done) / seconds : 0;
    const double pct = p.probes_total > 0
                           ? 100.0 * static_cast<double>(p.probes_done) / static_cast<double>(p.probes_total)
                           : 0;
    std::string eta = "?";
    if (rate > 0 && p.probes_total >= p.probes_done) {
        eta = fmt::format("{:.0f}s", static_cast<double>(p.probes_total - p.probes_done) / rate);
    }
    fmt::print(out_, "\r\033[K{}/{} ports ({:.0f}%) | {:.0f}/s | ETA {} | {} open", p.probes_done, p.probes_total,
               pct, rate, eta, p.open_found);
    std::fflush(out_);
    shown_ = true;
}

void ProgressLine::clear() {
    if (enabled_ && shown_) {
        fmt::print(out_, "\r\033[K");
        std::fflush(out_);
        shown_ = false;
    }
}

}  // namespace portwarden::cli

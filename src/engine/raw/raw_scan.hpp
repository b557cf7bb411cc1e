#pragma once
// The raw-packet path of run_scan (every technique but connect); see raw_scan.cpp.
#include <stop_token>

#include "portwarden/scan.hpp"

namespace portwarden::engine {

Result<ScanSummary> run_raw_scan(const ScanRequest& request, const ScanRuntime& runtime, const ScanCallbacks& callbacks,
                                 std::stop_token stop);

}  // namespace portwarden::engine

#pragma once
// The connect() engine behind the shared session loop (engine/session.hpp): unprivileged host
// discovery (a connect to each ping port; any answer proves the host up), then the group's
// ports on epoll (connect_run.hpp), and the drift re-probe the same way.
#include <stop_token>

#include "portwarden/scan.hpp"

namespace portwarden::engine {

Result<ScanSummary> run_connect_scan(const ScanRequest& request, const ScanCallbacks& callbacks,
                                     std::stop_token stop);

}  // namespace portwarden::engine

#pragma once
// An alert as a JSON line (stdout, -oJ FILE, the webhook's body) and as one human line.
#include <string>

#include "portwarden/watch.hpp"

namespace portwarden::watch {

// `epoch` converts detector times (seconds from the watch's start) to Unix time.
std::string alert_json(const Alert& alert, double epoch);
std::string alert_line(const Alert& alert, double epoch);

// What the probes that were answered showed: "closed", "filtered", "open" or "mixed"
// (no kind above 80 % of the answers), "none" without answers.
std::string_view alert_hit(const Alert& alert);

}  // namespace portwarden::watch

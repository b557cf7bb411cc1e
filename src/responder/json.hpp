#pragma once
// The responder report in -oJ host records ("responder" object) and read back from them.
#include <optional>

#include <nlohmann/json.hpp>

#include "portwarden/responder.hpp"

namespace portwarden::responder {

// {"baseline":{...},"forged":[...],"spoofer":{...},"filters":[...]} (keys only when set).
nlohmann::ordered_json to_json(const ResponderReport& report);

// Reads what to_json wrote; nothing when `j` is not an object. Bad or missing fields are left
// at their defaults (a result file from an older version has no "responder").
std::optional<ResponderReport> from_json(const nlohmann::json& j);

}  // namespace portwarden::responder

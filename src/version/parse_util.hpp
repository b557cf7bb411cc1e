#pragma once
// Small readers for nmap-service-probes lines: C escapes, port lists, delimited fields.
#include <optional>
#include <string>
#include <string_view>

#include "portwarden/error.hpp"
#include "version/probe_db.hpp"

namespace portwarden::version {

// nmap's cstring_unescape: \\ \0 \a \b \f \n \r \t \v \xHH; any other escaped char is itself.
Result<std::string> unescape(std::string_view text);

// "21-25,53,80" (spaces allowed around items).
Result<PortRanges> parse_port_ranges(std::string_view text);

// A field that starts with its delimiter: "|abc|rest" -> {"abc", "rest"}. Fails when the
// closing delimiter is missing.
struct Delimited {
    std::string_view body;
    std::string_view rest;
};
std::optional<Delimited> take_delimited(std::string_view text);

}  // namespace portwarden::version

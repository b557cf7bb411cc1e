#pragma once
#include <cstdio>
// Small formatting helpers shared by the writers: nmap's time stamps, number formats and
// phrases ("1 IP address (1 host up)"), port range lists and XML escaping.
#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "portwarden/ports.hpp"
#include "portwarden/results.hpp"
#include "portwarden/scan.hpp"
#include "portwarden/services.hpp"

namespace portwarden::output {

using TimePoint = std::chrono::system_clock::time_point;

// Local time, as nmap prints it.
std::string ctime_text(TimePoint t);       // "Sun Nov 22 02:42:07 2026" (ctime, day padded with a space)
std::string start_line_time(TimePoint t);  // "2026-11-22 02:42 UTC"
// UTC, for JSON: "2026-11-22T10:00:00Z".
std::string iso_utc(TimePoint t);
std::int64_t epoch_seconds(TimePoint t);
double to_seconds(std::chrono::steady_clock::duration d);

// nmap's num_to_string_sigdigits: 0.000123456 with 2 digits -> "0.00012".
std::string sig_digits(double value, int digits);

// "1-21,23-200,8000" for an ascending port list (nmap's output_rangelist_given_ports).
std::string range_list(std::span<const std::uint16_t> ports);

// "portwarden 0.1.0": the version given, else the one this library was built as.
std::string version_text(std::string_view version);

// Hosts reported in the footer: every target of a finished scan, the hosts handed over so
// far when the scan stopped early.
struct HostCounts {
    std::uint64_t scanned = 0;
    std::uint64_t up = 0;
};
HostCounts host_counts(const ScanSummary& summary);
bool stopped_early(const ScanSummary& summary);

// "1 IP address (1 host up) scanned in 0.45 seconds"
std::string done_phrase(const ScanSummary& summary);

// The service name from the table, empty when unknown (or when there is no table).
std::string_view service_name(const ServiceNames* names, std::uint16_t port, Proto proto);
// The same, from the table a lookup gives (none: no lookup).
std::string_view service_name(const ServiceLookup& names, std::uint16_t port, Proto proto);

// "name (addr)" when the user gave a name, else "addr" (nmap's Target::NameIP); the name
// through visible_text.
std::string name_ip(const HostResult& host);

// A name from outside (a hosts file, DNS) as text for a terminal or a text file: control
// characters and invalid UTF-8 become "\\xNN" as in xml_escape; valid UTF-8 passes through.
std::string visible_text(std::string_view text);

// Escapes text for an XML attribute value or comment the way nmap's xml.cc does (<>&"' and the
// second '-' of "--"), except that valid UTF-8 passes through and other bytes that XML 1.0
// cannot hold (control characters, invalid UTF-8) become the visible text "\xNN".
std::string xml_escape(std::string_view text);

// Writes `text` and flushes, so what a writer has produced is on disk at once (Ctrl-C included).
void write_flushed(std::FILE* out, const std::string& text);

}  // namespace portwarden::output

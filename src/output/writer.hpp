#pragma once
// One writer per output format, all behind this interface. The CLI owns a list of writers and
// calls begin() once, host() as each host completes (results are flushed at once), end() once
// (also after Ctrl-C, with summary.interrupted set).
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "portwarden/classify.hpp"
#include "portwarden/ports.hpp"
#include "portwarden/results.hpp"
#include "portwarden/scan.hpp"
#include "portwarden/services.hpp"
#include "portwarden/version.hpp"

namespace portwarden::output {

struct RunInfo {
    std::string args;          // the command line as given ("portwarden scan -sT ...")
    std::string version;       // PW_VERSION
    Technique technique = Technique::connect;
    bool with_udp = false;     // -sS -sU: the UDP scan as well (ScanRequest::with_udp)
    std::optional<std::uint8_t> scan_flags;  // --scanflags (<scaninfo scanflags="FINSYN">)
    PortList ports;            // what is scanned (for <scaninfo services=...>)
    bool ping_only = false;    // -sn / discover: host discovery only (no <scaninfo>, no ports)
    std::chrono::system_clock::time_point start_time;
    // The services table (port names), looked up when a writer first needs it: the command line
    // reads it on a background thread, and only port output waits for it.
    ServiceLookup services;
    bool show_reason = false;  // --reason (text output)
    bool open_only = false;    // --open
    int verbosity = 0;
    int debugging = 0;         // -d (XML <debugging level>)
    // -sV: the findings (filled before the first host is written); null without -sV. With it,
    // -oN has a VERSION column and -oX/-oJ the probed <service>/"service".
    std::shared_ptr<const ServiceFindings> versions;
};

// The "version" of -oJ's first record (schema/portwarden-jsonl.schema.json).
inline constexpr int kJsonSchemaVersion = 1;

class Writer {
public:
    virtual ~Writer() = default;
    virtual void begin(const RunInfo& run) = 0;
    virtual void host(const HostResult& host) = 0;
    virtual void end(const ScanSummary& summary) = 0;
};

// Each writer writes to a FILE* it does not own (stdout or a file the CLI opened) and
// flushes after every host.
std::unique_ptr<Writer> make_text_writer(std::FILE* out);      // nmap-like normal output (-oN)
std::unique_ptr<Writer> make_xml_writer(std::FILE* out);       // -oX, nmap.dtd-valid
std::unique_ptr<Writer> make_json_writer(std::FILE* out);      // -oJ, JSON Lines
std::unique_ptr<Writer> make_grepable_writer(std::FILE* out);  // -oG
// --jsonl-open: one line per open port, naabu's -json shape
// {"host","ip","port","protocol","timestamp"} plus "reason" and "ttl" (masscan -oD's data).
std::unique_ptr<Writer> make_open_jsonl_writer(std::FILE* out);

// nmap's -oN file flavour of the text output: the same host reports, but framed by
// "# portwarden 0.1.0 scan initiated <date> as: <args>" and "# portwarden done at <date> -- ..."
// comment lines instead of the terminal's "Starting ..." / "portwarden done: ..." lines (nmap
// writes the terminal lines to stdout only). make_text_writer is the terminal flavour.
std::unique_ptr<Writer> make_normal_file_writer(std::FILE* out);  // -oN FILE

}  // namespace portwarden::output

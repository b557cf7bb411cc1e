// --jsonl-open FILE: open ports only, one JSON object per line, in the shape naabu's -json
// writes, so a pipeline built on naabu (or on masscan -oD, whose "ip"/"port" it shares) reads
// it unchanged:
//   {"host":"web.example","ip":"198.18.1.10","port":22,"protocol":"tcp",
//    "timestamp":"2026-11-22T10:00:00Z","reason":"syn-ack","ttl":64}
// host is the name the target was given by, else the address (as naabu); reason and ttl
// (masscan -oD's "data") only when known. Only the state "open" is written: neither naabu
// nor masscan reports open|filtered. No run, host or summary records.
#include <cstdio>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "output/format.hpp"
#include "output/writer.hpp"

namespace portwarden::output {
namespace {

using Json = nlohmann::ordered_json;

class OpenJsonlWriter final : public Writer {
public:
    explicit OpenJsonlWriter(std::FILE* out) : out_(out) {}

    void begin(const RunInfo& run) override { ping_only_ = run.ping_only; }

    void host(const HostResult& host) override {
        if (ping_only_) {
            return;
        }
        std::string out;
        const std::string ip = host.address.to_string();
        const std::string time = iso_utc(host.end_time);
        for (const PortResult& p : host.ports) {
            if (p.state != PortState::open) {
                continue;
            }
            Json j;
            j["host"] = host.hostname.empty() ? ip : host.hostname;
            j["ip"] = ip;
            j["port"] = p.port;
            j["protocol"] = to_string(p.proto);
            j["timestamp"] = time;
            j["reason"] = to_string(p.reason);
            if (p.reason_ttl) {
                j["ttl"] = *p.reason_ttl;
            }
            out += j.dump(-1, ' ', false, Json::error_handler_t::replace);
            out += '\n';
        }
        if (!out.empty()) {
            write_flushed(out_, out);
        }
    }

    void end(const ScanSummary& /*summary*/) override { std::fflush(out_); }

private:
    std::FILE* out_;
    bool ping_only_ = false;
};

}  // namespace

std::unique_ptr<Writer> make_open_jsonl_writer(std::FILE* out) { return std::make_unique<OpenJsonlWriter>(out); }

}  // namespace portwarden::output

// JSON Lines output (-oJ): every line parsed back and checked field by field.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "output/writer.hpp"

namespace portwarden::output {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::ordered_json;

const auto t0 = std::chrono::system_clock::time_point{std::chrono::sys_days{std::chrono::year{2026} / 11 / 22} + 10h};

PortResult port(std::uint16_t number, PortState state, Reason reason, Proto proto = Proto::tcp) {
    PortResult p;
    p.proto = proto;
    p.port = number;
    p.state = state;
    p.reason = reason;
    return p;
}

class OutputJson : public ::testing::Test {
protected:
    void SetUp() override {
        run_.args = "portwarden -sT -oJ - 198.18.1.10";
        run_.version = "0.1.0";
        run_.start_time = t0;
        run_.services = [this] { return &services_; };
        run_.ports.tcp = {22, 80};
        run_.open_only = false;
        summary_.hosts_total = 2;
        summary_.hosts_done = 2;
        summary_.hosts_up = 1;
        summary_.probes_sent = 7;
        summary_.retransmissions = 3;
        summary_.elapsed = 451600us;
    }

    static HostResult up_host(std::string_view address, Reason reason) {
        HostResult h;
        h.address = *Address::parse(address);
        h.state = HostState::up;
        h.reason = reason;
        h.start_time = t0;
        h.end_time = t0 + 1s;
        return h;
    }

    // Every record after the first, which must be the run record (checked by RunRecordFirst).
    std::vector<Json> render(const std::vector<HostResult>& hosts) const {
        auto records = render_all(hosts, &make_json_writer);
        EXPECT_FALSE(records.empty());
        if (!records.empty()) {
            EXPECT_EQ(records.front()["type"], "run");
            records.erase(records.begin());
        }
        return records;
    }

    std::vector<Json> render_all(const std::vector<HostResult>& hosts,
                                 std::unique_ptr<Writer> (*make)(std::FILE*)) const {
        char* buf = nullptr;
        std::size_t size = 0;
        std::FILE* f = open_memstream(&buf, &size);
        auto writer = make(f);
        writer->begin(run_);
        for (const auto& h : hosts) {
            writer->host(h);
        }
        writer->end(summary_);
        std::fclose(f);
        std::istringstream text(std::string(buf, size));
        std::free(buf);
        std::vector<Json> records;
        for (std::string line; std::getline(text, line);) {
            records.push_back(Json::parse(line));
        }
        return records;
    }

    ServiceNames services_ = ServiceNames::parse("ssh\t22/tcp\nhttp\t80/tcp\n");
    RunInfo run_;
    ScanSummary summary_;
};

TEST_F(OutputJson, PortHostAndSummaryRecordsFieldByField) {
    HostResult h;
    h.address = *Address::parse("198.18.1.10");
    h.hostname = "web";
    h.state = HostState::up;
    h.reason = Reason::conn_refused;
    h.srtt_us = 120;
    h.start_time = t0;
    h.end_time = t0 + 2s;
    h.ports = {port(22, PortState::open, Reason::syn_ack), port(80, PortState::filtered, Reason::host_unreach)};
    h.ports[0].reason_ttl = 64;
    h.ports[0].rtt_us = 85;
    h.ports[1].reason_ip = Address::parse("198.18.0.1");

    HostResult down;
    down.address = *Address::parse("fd00::2");
    down.state = HostState::down;
    down.reason = Reason::no_response;
    down.start_time = t0;
    down.end_time = t0 + 3s;

    const auto records = render({h, down});
    ASSERT_EQ(records.size(), 5U);

    EXPECT_EQ(records[0].dump(),
              R"({"type":"port","host":"198.18.1.10","hostname":"web","proto":"tcp","port":22,"state":"open",)"
              R"("reason":"syn-ack","ttl":64,"rtt_us":85,"time":"2026-11-22T10:00:02Z"})");
    const Json& filtered = records[1];
    EXPECT_EQ(filtered["type"], "port");
    EXPECT_EQ(filtered["port"], 80);
    EXPECT_EQ(filtered["state"], "filtered");
    EXPECT_EQ(filtered["reason"], "host-unreach");
    EXPECT_EQ(filtered["reason_ip"], "198.18.0.1");
    EXPECT_FALSE(filtered.contains("ttl"));
    EXPECT_FALSE(filtered.contains("rtt_us"));

    const Json& host = records[2];
    EXPECT_EQ(host["type"], "host");
    EXPECT_EQ(host["host"], "198.18.1.10");
    EXPECT_EQ(host["hostname"], "web");
    EXPECT_EQ(host["status"], "up");
    EXPECT_EQ(host["reason"], "conn-refused");
    EXPECT_EQ(host["srtt_us"], 120);
    EXPECT_EQ(host["complete"], true);
    EXPECT_EQ(host["ports_scanned"], 2);
    EXPECT_EQ(host["start"], "2026-11-22T10:00:00Z");
    EXPECT_EQ(host["end"], "2026-11-22T10:00:02Z");

    EXPECT_EQ(records[3].dump(),
              R"({"type":"host","host":"fd00::2","hostname":"","status":"down","reason":"no-response",)"
              R"("complete":true,"ports_scanned":0,"start":"2026-11-22T10:00:00Z","end":"2026-11-22T10:00:03Z"})");

    EXPECT_EQ(records[4].dump(),
              R"({"type":"summary","hosts_total":2,"hosts_up":1,"probes_sent":7,"retransmissions":3,)"
              R"("elapsed_s":0.452,"interrupted":false})");
}

TEST_F(OutputJson, AFullPortHostIsWrittenWholeAndInOrderThenTheNextHost) {
    // 65 535 port lines (~10 MB) go out in pieces through one buffer; every line stays whole,
    // in port order, before its host record, and the next host's lines follow unmixed.
    HostResult big = up_host("198.18.1.10", Reason::reset);
    for (std::uint32_t n = 1; n <= 65535; ++n) {
        big.ports.push_back(port(static_cast<std::uint16_t>(n), n % 1000 == 0 ? PortState::open : PortState::closed,
                                 n % 1000 == 0 ? Reason::syn_ack : Reason::reset));
        big.ports.back().reason_ttl = 63;
    }
    HostResult small = up_host("198.18.1.11", Reason::syn_ack);
    small.ports = {port(22, PortState::open, Reason::syn_ack)};

    const auto records = render({big, small});
    ASSERT_EQ(records.size(), 65535U + 1 + 1 + 1 + 1);
    for (std::size_t i = 0; i < 65535; ++i) {
        const Json& r = records[i];
        ASSERT_EQ(r["type"], "port") << i;
        ASSERT_EQ(r["host"], "198.18.1.10") << i;
        ASSERT_EQ(r["port"], i + 1) << i;
        ASSERT_EQ(r["state"], (i + 1) % 1000 == 0 ? "open" : "closed") << i;
        ASSERT_EQ(r["ttl"], 63) << i;
    }
    EXPECT_EQ(records[65535]["type"], "host");
    EXPECT_EQ(records[65535]["ports_scanned"], 65535);
    EXPECT_EQ(records[65536]["type"], "port");
    EXPECT_EQ(records[65536]["host"], "198.18.1.11");
    EXPECT_EQ(records[65536]["port"], 22);
    EXPECT_EQ(records[65537]["type"], "host");
    EXPECT_EQ(records[65537]["host"], "198.18.1.11");
    EXPECT_EQ(records[65538]["type"], "summary");
}

TEST_F(OutputJson, InterruptedRunFlagsHostAndSummary) {
    HostResult h;
    h.address = *Address::parse("198.18.1.10");
    h.state = HostState::up;
    h.reason = Reason::syn_ack;
    h.complete = false;
    h.ports = {port(53, PortState::open_filtered, Reason::no_response, Proto::udp)};
    summary_.interrupted = true;
    summary_.hosts_total = 100;
    summary_.hosts_done = 1;
    const auto records = render({h});
    ASSERT_EQ(records.size(), 3U);
    EXPECT_EQ(records[0]["proto"], "udp");
    EXPECT_EQ(records[0]["state"], "open|filtered");
    EXPECT_EQ(records[1]["complete"], false);
    EXPECT_EQ(records[2]["interrupted"], true);
    EXPECT_EQ(records[2]["hosts_total"], 1);
    EXPECT_FALSE(records[2].contains("error"));
}

TEST_F(OutputJson, InvalidUtf8InANameStillGivesValidJson) {
    HostResult h;
    h.address = *Address::parse("198.18.1.10");
    h.hostname = "bad\xFFname";
    h.state = HostState::up;
    const auto records = render({h});
    ASSERT_EQ(records.size(), 2U);
    EXPECT_EQ(records[0]["hostname"], "bad\xEF\xBF\xBDname");
}

TEST_F(OutputJson, DistanceAndTraceOnTheHostRecord) {
    HostResult h = up_host("198.18.5.10", Reason::syn_ack);
    h.hops = 2;
    h.trace_proto = "tcp";
    h.trace_port = 80;
    h.trace = {{1, Address::parse("198.18.0.1"), 120}, {2, std::nullopt, 0}, {3, h.address, 310}};
    const auto records = render({h});
    ASSERT_EQ(records.size(), 2U);
    EXPECT_EQ(records[0].dump(),
              R"({"type":"host","host":"198.18.5.10","hostname":"","status":"up","reason":"syn-ack",)"
              R"("hops":2,"distance":3,"complete":true,"ports_scanned":0,"start":"2026-11-22T10:00:00Z",)"
              R"("end":"2026-11-22T10:00:01Z","trace_proto":"tcp","trace_port":80,"trace":[)"
              R"({"ttl":1,"address":"198.18.0.1","rtt_us":120},{"ttl":2},)"
              R"({"ttl":3,"address":"198.18.5.10","rtt_us":310}]})");

    h.hops = 0;  // directly connected
    h.trace_proto = "icmp";
    h.trace = {{1, h.address, 30}};
    const Json host = render({h})[0];
    EXPECT_EQ(host["hops"], 0);
    EXPECT_EQ(host["distance"], 1);
    EXPECT_EQ(host["trace_proto"], "icmp");
    EXPECT_FALSE(host.contains("trace_port"));
    EXPECT_EQ(host["trace"].size(), 1U);

    h.hops.reset();
    h.trace.clear();
    const Json bare = render({h})[0];
    EXPECT_FALSE(bare.contains("hops"));
    EXPECT_FALSE(bare.contains("distance"));
    EXPECT_FALSE(bare.contains("trace"));
    EXPECT_FALSE(bare.contains("trace_proto"));
}

TEST_F(OutputJson, PingOnlyWritesHostRecordsAloneAndSaysSoInTheSummary) {
    run_.ping_only = true;
    HostResult h = up_host("198.18.5.1", Reason::echo_reply);
    h.srtt_us = 74;
    h.ports = {port(22, PortState::open, Reason::syn_ack)};  // never written with -sn
    const auto records = render({h});
    ASSERT_EQ(records.size(), 2U);
    EXPECT_EQ(records[0].dump(),
              R"({"type":"host","host":"198.18.5.1","hostname":"","status":"up","reason":"echo-reply",)"
              R"("srtt_us":74,"complete":true,"ports_scanned":0,"start":"2026-11-22T10:00:00Z",)"
              R"("end":"2026-11-22T10:00:01Z"})");
    EXPECT_EQ(records[1].dump(),
              R"({"type":"summary","hosts_total":2,"hosts_up":1,"probes_sent":7,"retransmissions":3,)"
              R"("elapsed_s":0.452,"interrupted":false,"ping_only":true})");
}

TEST_F(OutputJson, RunRecordFirstCarriesTheSchemaVersion) {
    const auto records = render_all({}, &make_json_writer);
    ASSERT_EQ(records.size(), 2U);
    EXPECT_EQ(records[0].dump(),
              R"({"type":"run","schema":"portwarden-jsonl","version":1,"scanner":"portwarden",)"
              R"("scanner_version":"0.1.0","args":"portwarden -sT -oJ - 198.18.1.10",)"
              R"("start":"2026-11-22T10:00:00Z","open_only":false,)"
              R"("scan_types":[{"type":"connect","protocol":"tcp"}]})");
    EXPECT_EQ(records[0]["version"], kJsonSchemaVersion);
    EXPECT_EQ(records[1]["type"], "summary");
}

TEST_F(OutputJson, SynAndUdpScanListsBothTypesAndBothProtocolsPorts) {
    run_.technique = Technique::syn;
    run_.with_udp = true;
    run_.ports.udp = {53};
    HostResult h = up_host("198.18.1.10", Reason::echo_reply);
    h.ports = {port(22, PortState::open, Reason::syn_ack), port(80, PortState::closed, Reason::reset),
               port(53, PortState::open, Reason::udp_response, Proto::udp)};
    const auto all = render_all({h}, &make_json_writer);
    ASSERT_EQ(all.size(), 6U);  // run, 3 ports, host, summary
    EXPECT_EQ(all[0]["scan_types"].dump(),
              R"([{"type":"syn","protocol":"tcp"},{"type":"udp","protocol":"udp"}])");
    EXPECT_EQ(all[1]["proto"], "tcp");
    EXPECT_EQ(all[3]["proto"], "udp");
    EXPECT_EQ(all[3]["port"], 53);
    EXPECT_EQ(all[3]["reason"], "udp-response");
}

TEST_F(OutputJson, OpenFiltersPortsAndHostsAsNmapDoes) {
    run_.open_only = true;
    HostResult h = up_host("198.18.1.10", Reason::syn_ack);
    h.ports = {port(22, PortState::open, Reason::syn_ack), port(23, PortState::closed, Reason::reset),
               port(24, PortState::filtered, Reason::no_response),
               port(53, PortState::open_filtered, Reason::no_response, Proto::udp)};
    HostResult closed_only = up_host("198.18.1.11", Reason::reset);
    closed_only.ports = {port(22, PortState::closed, Reason::reset)};
    const auto records = render({h, closed_only});
    ASSERT_EQ(records.size(), 4U);  // 2 ports, 1 host (the closed-only host left out), summary
    EXPECT_EQ(records[0]["port"], 22);
    EXPECT_EQ(records[1]["port"], 53);
    EXPECT_EQ(records[1]["state"], "open|filtered");
    EXPECT_EQ(records[2]["type"], "host");
    EXPECT_EQ(records[2]["host"], "198.18.1.10");
    EXPECT_EQ(records[2]["ports_scanned"], 2);
    EXPECT_EQ(records[3]["type"], "summary");
    EXPECT_EQ(records[3]["hosts_total"], 2);
}

TEST_F(OutputJson, OpenJsonlIsNaabusShapeOpenPortsOnly) {
    HostResult h = up_host("198.18.1.10", Reason::syn_ack);
    h.hostname = "web";
    h.ports = {port(22, PortState::open, Reason::syn_ack), port(23, PortState::closed, Reason::reset),
               port(53, PortState::open_filtered, Reason::no_response, Proto::udp)};
    h.ports[0].reason_ttl = 64;
    HostResult bare = up_host("fd00::2", Reason::syn_ack);
    bare.ports = {port(443, PortState::open, Reason::syn_ack)};
    const auto records = render_all({h, bare}, &make_open_jsonl_writer);
    ASSERT_EQ(records.size(), 2U);
    EXPECT_EQ(records[0].dump(), R"({"host":"web","ip":"198.18.1.10","port":22,"protocol":"tcp",)"
                                 R"("timestamp":"2026-11-22T10:00:01Z","reason":"syn-ack","ttl":64})");
    EXPECT_EQ(records[1]["host"], "fd00::2");  // no name: the address, as naabu
    EXPECT_EQ(records[1]["ip"], "fd00::2");
    EXPECT_FALSE(records[1].contains("ttl"));
}

}  // namespace
}  // namespace portwarden::output

// Bounded memory on any input (README "Bounds on input"): file and line limits of the text
// readers, duplicate ports merged in result files, the port-result limit, and the inputs the
// fuzzers (fuzz/) found or that pin their parsers' corner cases.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/resume_file.hpp"
#include "portwarden/history.hpp"
#include "portwarden/limits.hpp"
#include "portwarden/ports.hpp"
#include "portwarden/services.hpp"
#include "portwarden/result_file.hpp"
#include "portwarden/targets.hpp"
#include "resultfile/port_set.hpp"

namespace portwarden {
namespace {

std::string temp_file(const std::string& name, const std::string& text) {
    const std::string path = testing::TempDir() + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
}

TEST(InputBounds, FileLargerThanItsLimit) {
    const TextLimits limits{"test list", 100, 50};
    const std::string path = temp_file("pw_bounds_large.txt", std::string(101, 'a'));
    const auto text = read_text_file(path, limits);
    ASSERT_FALSE(text);
    EXPECT_EQ(text.error().message, path + ": larger than 100 bytes, the limit for a test list");
    EXPECT_TRUE(read_text_file(temp_file("pw_bounds_exact.txt", std::string(49, 'a') + "\n" + std::string(50, 'b')),
                               limits));
    std::remove(path.c_str());
}

TEST(InputBounds, LineLongerThanItsLimit) {
    const std::string path = temp_file("pw_bounds_line.txt", "short\n" + std::string(4097, 'x') + "\n");
    const auto text = read_text_file(path, kTargetListLimits);
    ASSERT_FALSE(text);
    EXPECT_EQ(text.error().message, path + ":2: line longer than 4096 bytes, the limit for a target list");
    std::remove(path.c_str());
}

TEST(InputBounds, DevZeroStopsAtTheLimit) {
    for (const TextLimits& limits : {kTargetListLimits, kPolicyLimits}) {
        const auto text = read_text_file("/dev/zero", limits);
        ASSERT_FALSE(text);
        EXPECT_EQ(text.error().message,
                  fmt::format("/dev/zero: larger than {} MiB, the limit for a {}", limits.max_bytes / kMiB, limits.what));
    }
}

// One host whose <extrareasons> lists every TCP port `repeats` times, after an explicit open 22.
std::string repeated_xml(int repeats) {
    std::string xml =
        "<nmaprun><host><status state=\"up\"/><address addr=\"198.18.0.1\" addrtype=\"ipv4\"/><ports>"
        "<port protocol=\"tcp\" portid=\"22\"><state state=\"open\" reason=\"syn-ack\"/></port>"
        "<port protocol=\"tcp\" portid=\"22\"><state state=\"closed\" reason=\"reset\"/></port>"
        "<extraports state=\"closed\" count=\"65535\">";
    for (int i = 0; i < repeats; ++i) {
        xml += "<extrareasons reason=\"reset\" count=\"65535\" proto=\"tcp\" ports=\"1-65535,1-100\"/>";
    }
    return xml + "</extraports></ports></host></nmaprun>";
}

TEST(InputBounds, NmapXmlDuplicatePortsMerged) {
    const auto hosts = parse_nmap_xml(repeated_xml(300), "repeat.xml");
    ASSERT_TRUE(hosts) << hosts.error().message;
    ASSERT_EQ(hosts->size(), 1U);
    const auto& ports = (*hosts)[0].ports;
    ASSERT_EQ(ports.size(), 65535U);  // not 300 * 65635
    for (std::size_t i = 0; i < ports.size(); ++i) {
        ASSERT_EQ(ports[i].port, i + 1);
    }
    EXPECT_EQ(ports[21].state, PortState::open);  // the first result of a port is kept
    EXPECT_EQ(ports[22].state, PortState::closed);
}

TEST(InputBounds, JsonLinesDuplicatePortsMerged) {
    std::string text;
    for (int i = 0; i < 3; ++i) {
        for (const char* state : {"open", "closed"}) {
            text += fmt::format(R"({{"type":"port","host":"198.18.0.1","proto":"tcp","port":{},"state":"{}"}})",
                                80 - i, state) + "\n";
        }
        text += R"({"type":"port","host":"198.18.0.1","proto":"tcp","port":443,"state":"filtered"})" "\n";
    }
    text += R"({"type":"host","host":"198.18.0.1","status":"up"})" "\n";
    const auto hosts = parse_json_lines(text, "dup.jsonl");
    ASSERT_TRUE(hosts) << hosts.error().message;
    const auto& ports = (*hosts)[0].ports;
    ASSERT_EQ(ports.size(), 4U);
    EXPECT_EQ(ports[0].port, 78);
    EXPECT_EQ(ports[2].port, 80);
    EXPECT_EQ(ports[2].state, PortState::open);
    EXPECT_EQ(ports[3].port, 443);
}

TEST(InputBounds, PortSetRanges) {
    resultfile::PortSet set;
    std::vector<std::uint16_t> added;
    const auto emit = [&](std::uint16_t p) { added.push_back(p); };
    EXPECT_EQ(set.add(Proto::tcp, 60, 130, emit), 71U);
    EXPECT_EQ(added.front(), 60);
    EXPECT_EQ(added.back(), 130);
    EXPECT_EQ(set.add(Proto::tcp, 1, 65535, emit), 65535U - 71U);
    EXPECT_EQ(set.add(Proto::tcp, 1, 65535, emit), 0U);
    EXPECT_TRUE(set.insert(Proto::udp, 65535));
    EXPECT_FALSE(set.insert(Proto::udp, 65535));
    EXPECT_TRUE(set.insert(Proto::udp, 0));
    EXPECT_EQ(added.size(), 65535U);
}

TEST(InputBounds, HistoryUrl) {
    const auto pg = parse_history_url("postgres://u@h/db");
    ASSERT_TRUE(pg);
    EXPECT_TRUE(pg->postgres);
    EXPECT_EQ(pg->path, "postgres://u@h/db");
    const auto file = parse_history_url("sqlite:/var/h.db");
    ASSERT_TRUE(file);
    EXPECT_FALSE(file->postgres);
    EXPECT_EQ(file->path, "/var/h.db");
    EXPECT_FALSE(parse_history_url("sqlite:"));
    EXPECT_FALSE(parse_history_url(std::string_view("h.db\0x", 6)));
}

// A summary record whose "type" is not a string threw nlohmann::json::type_error out of
// --resume (j.value("type", "") on a number).
TEST(InputBounds, ResumeJsonTypeNotAString) {
    const auto r = cli::parse_resume_text("{\"type\":1}\n", "out.jsonl", "f");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "out.jsonl: no resume point in this output (the scan was not interrupted)");
    const auto bad = cli::parse_resume_text("{\"type\":\"summary\",\"resume\":[1]}\n", "out.jsonl", "f");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message, "out.jsonl:1: malformed resume object");
    // The file holds the fingerprint sealed with the seed and the resume point (resume_seal).
    const std::string sealed = cli::resume_seal("f", 7, ResumePoint{1, 2});
    const auto ok = cli::parse_resume_text(
        fmt::format(R"({{"type":"summary","resume":{{"fingerprint":"{}","seed":7,"group":1,"position":2}}}})", sealed),
        "o", "f");
    ASSERT_TRUE(ok) << ok.error().message;
    EXPECT_EQ(ok->seed, 7U);
    EXPECT_EQ(ok->point.position, 2U);
}

// fuzz_resume found it: a seed of 5e30 (a JSON number that is not an unsigned integer) went
// through nlohmann's get<std::uint64_t>(), a float-to-integer conversion out of range (UBSan).
TEST(InputBounds, ResumeJsonNumbersMustBeUnsignedIntegers) {
    for (const char* seed : {"4999999999999999999999999999992", "-1", "1.5", "\"7\""}) {
        const std::string text = fmt::format(
            R"({{"type":"summary","resume":{{"fingerprint":"0123456789abcdef","seed":{},"group":1,"position":1000}}}})",
            seed) + "\n";
        const auto r = cli::parse_resume_text(text, "out.jsonl", "0123456789abcdef");
        ASSERT_FALSE(r) << seed;
        EXPECT_EQ(r.error().message, "out.jsonl:1: malformed resume object") << seed;
    }
}

// An octet list with many runs in the last octet splits into one range per run and prefix:
// 0-255.0-255.0-255.1,3,...,255 is 2^31 addresses (under the 2^32 limit) but 2^31 ranges of
// 24 bytes, which expand() allocated (48 GB, bad_alloc). Now a one-line error, before expanding.
TEST(InputBounds, TargetOctetListSplitsIntoTooManyRanges) {
    std::string odd;
    for (int v = 1; v <= 255; v += 2) {
        odd += fmt::format("{}{}", odd.empty() ? "" : ",", v);
    }
    TargetSet set;
    const auto r = set.add("0-255.0-255.0-255." + odd, TargetParseOptions{});
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("splits into 2147483648 separate ranges, more than the limit of 8388608"),
              std::string::npos)
        << r.error().message;
    // Within the limit it still expands: 256 * 128 ranges.
    ASSERT_TRUE(set.add("198.0-255.7." + odd, TargetParseOptions{}));
    EXPECT_EQ(set.size(), 256U * 128U);
    EXPECT_EQ(set.at(1).to_string(), "198.0.7.3");
}

// The set's total: specs each within the limit add up past it (and exclusions count too).
TEST(InputBounds, TargetSetRangesInAll) {
    TargetParseOptions options;
    options.max_ranges = 4;
    TargetSet set;
    ASSERT_TRUE(set.add("198.18.0.1,3,5", options));
    ASSERT_TRUE(set.exclude("198.18.0.3", options));
    const auto r = set.add("198.18.1.1", options);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "bad target '198.18.1.1': more than 4 separate address ranges in all, the limit");
    EXPECT_EQ(set.size(), 2U);
}

// "-" repeated: each item set 65 535 bits (O(items * 65 536)); ranges are now merged once.
TEST(InputBounds, PortListOfManyWholeRanges) {
    std::string spec = "-";
    for (int i = 0; i < 20000; ++i) {
        spec += ",-,1-100,65535";
    }
    const auto ports = parse_ports(spec, PortProtocols{true, true}, nullptr);
    ASSERT_TRUE(ports) << ports.error().message;
    EXPECT_EQ(ports->tcp.size(), 65535U);
    EXPECT_EQ(ports->udp.size(), 65535U);
    EXPECT_EQ(ports->tcp.front(), 1U);
    EXPECT_EQ(ports->tcp.back(), 65535U);
    const auto overlapping = parse_ports("90-200,0,1-100,300,150", PortProtocols{true, false}, nullptr);
    ASSERT_TRUE(overlapping);
    EXPECT_EQ(overlapping->tcp.size(), 202U);  // 0, 1-200, 300
    EXPECT_EQ(overlapping->tcp[0], 0U);
    EXPECT_EQ(overlapping->tcp[200], 200U);
    EXPECT_EQ(overlapping->tcp[201], 300U);
}

// The services index is a sorted list now (not a 512 KB table per parse): the first line of a
// port still wins, for the name and for the top-ports ranking.
TEST(InputBounds, ServicesFirstLineOfAPortWins) {
    const auto names = ServiceNames::parse(
        "b 80/tcp 0.2\nc 22/tcp 0.5\na 80/tcp 0.9\nd 65535/udp 0.1\ne 0/udp\nf 65535/udp 0.3\n");
    EXPECT_EQ(names.name(80, Proto::tcp), "b");
    EXPECT_EQ(names.name(65535, Proto::udp), "d");
    EXPECT_EQ(names.name(0, Proto::udp), "e");
    EXPECT_EQ(names.name(0, Proto::tcp), "");
    EXPECT_EQ(names.name(81, Proto::tcp), "");
    EXPECT_EQ(names.port("a", Proto::tcp), 80);
    EXPECT_EQ(std::vector<std::uint16_t>(names.ranked(Proto::tcp).begin(), names.ranked(Proto::tcp).end()),
              (std::vector<std::uint16_t>{22, 80}));
    EXPECT_EQ(names.ranked(Proto::udp).size(), 1U);
}

}  // namespace
}  // namespace portwarden

// Reading result files back: nmap's own XML (tests/data), our JSON Lines, and bad files.
#include <gtest/gtest.h>

#include "portwarden/result_file.hpp"

namespace portwarden {
namespace {

TEST(AuditResultFile, RealNmapXml) {
    auto hosts = read_result_file(PW_SOURCE_DIR "/tests/data/nmap_plain_1-100.xml");
    ASSERT_TRUE(hosts) << hosts.error().message;
    ASSERT_EQ(hosts->size(), 1U);
    const HostResult& h = (*hosts)[0];
    EXPECT_EQ(h.address.to_string(), "198.18.1.10");
    EXPECT_EQ(h.state, HostState::up);
    ASSERT_EQ(h.ports.size(), 100U);  // 3 listed + 97 from <extrareasons ports=...>
    int open = 0;
    for (std::size_t i = 0; i < h.ports.size(); ++i) {
        EXPECT_EQ(h.ports[i].port, i + 1);
        open += h.ports[i].state == PortState::open ? 1 : 0;
        if (h.ports[i].state == PortState::closed) {
            EXPECT_EQ(h.ports[i].reason, Reason::reset);
        }
    }
    EXPECT_EQ(open, 3);
    EXPECT_EQ(h.ports[21].state, PortState::open);
    EXPECT_EQ(h.ports[21].reason_ttl, 63);
}

TEST(AuditResultFile, JsonLines) {
    auto hosts = read_result_file(PW_SOURCE_DIR "/tests/data/audit_results.jsonl");
    ASSERT_TRUE(hosts) << hosts.error().message;
    ASSERT_EQ(hosts->size(), 2U);
    EXPECT_EQ((*hosts)[0].ports.size(), 4U);
    EXPECT_EQ((*hosts)[0].ports[1].state, PortState::closed);
    EXPECT_EQ((*hosts)[0].ports[1].reason, Reason::reset);
    EXPECT_EQ((*hosts)[0].ports[0].rtt_us, 85U);
    EXPECT_EQ((*hosts)[1].state, HostState::down);
}

TEST(AuditResultFile, BadFiles) {
    auto r = parse_result_text("hello", "x");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("x: not a result file"), std::string::npos);
    r = parse_result_text("{\"type\":\"port\",\"host\":\"198.18.9.4\",\"proto\":\"tcp\",\"port\":0,\"state\":\"open\"}\n", "x");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message.rfind("x:1: ", 0), 0U) << r.error().message;
    r = parse_result_text("{\"type\":\"summary\"}\n{oops\n", "x");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message.rfind("x:2: ", 0), 0U) << r.error().message;
    r = parse_result_text("<nmaprun>\n<host>\n</nmaprun>", "x");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message.rfind("x:3:", 0), 0U) << r.error().message;
    r = parse_result_text("", "x");
    EXPECT_FALSE(r);
    EXPECT_FALSE(read_result_file("/nonexistent/results.xml"));
}

}  // namespace
}  // namespace portwarden

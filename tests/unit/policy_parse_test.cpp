// Policy files: the format of README "portwarden audit", and every malformed file naming
// FILE:LINE:COLUMN and what is wrong.
#include <gtest/gtest.h>

#include "portwarden/audit.hpp"

namespace portwarden::audit {
namespace {

constexpr const char* good_policy = R"(# web tier
[defaults]
unlisted = "closed"

[groups.web]
description = "public web servers"
hosts = ["198.18.1.10", "198.18.4.0/24", "www.example.test", "fd00:0:0:1::/120"]
unlisted = "filtered"

[[groups.web.allow]]
port = 443
owner = "web-team"
must_be_open = true

[[groups.web.allow]]
port = "22/tcp"
owner = "ops"
expires = 2027-01-31

[[groups.web.allow]]
port = "53/udp"
owner = "dns"

[groups.db]
hosts = ["198.18.2.10"]
)";

TEST(PolicyParse, GoodPolicy) {
    auto p = parse_policy(good_policy, "p.toml");
    ASSERT_TRUE(p) << p.error().message;
    ASSERT_EQ(p->groups.size(), 2U);
    const Group& web = p->groups[0];
    EXPECT_EQ(web.name, "web");
    EXPECT_EQ(web.unlisted, Unlisted::filtered);
    EXPECT_EQ(web.unlisted_pos.line, 8U);
    ASSERT_EQ(web.hosts.size(), 4U);
    EXPECT_TRUE(web.hosts[1].is_block);
    EXPECT_EQ(web.hosts[1].first.to_string(), "198.18.4.0");
    EXPECT_EQ(web.hosts[1].last.to_string(), "198.18.4.255");
    EXPECT_TRUE(web.hosts[2].is_name);
    EXPECT_EQ(web.hosts[3].last.to_string(), "fd00:0:0:1::ff");
    ASSERT_EQ(web.allow.size(), 3U);
    EXPECT_EQ(web.allow[0].port, 22);  // sorted by (proto, port)
    EXPECT_EQ(web.allow[0].expires, (Date{2027, 1, 31}));
    EXPECT_EQ(web.allow[0].pos.line, 15U);
    EXPECT_EQ(web.allow[1].port, 443);
    EXPECT_TRUE(web.allow[1].must_be_open);
    EXPECT_EQ(web.allow[2].proto, Proto::udp);
    EXPECT_EQ(p->groups[1].unlisted, Unlisted::closed);  // from [defaults]
    EXPECT_EQ(policy_port_spec(*p), "T:22,T:443,U:53");
    EXPECT_EQ(policy_targets(*p).size(), 5U);
}

struct BadCase {
    const char* text;
    const char* where;    // "p.toml:LINE:COL"
    const char* message;  // a substring of the message
};

class PolicyMalformed : public testing::TestWithParam<BadCase> {};

TEST_P(PolicyMalformed, NamesFileLineColumn) {
    const BadCase& c = GetParam();
    auto p = parse_policy(c.text, "p.toml");
    ASSERT_FALSE(p) << c.text;
    EXPECT_EQ(p.error().message.rfind(std::string(c.where) + ": ", 0), 0U) << p.error().message;
    EXPECT_NE(p.error().message.find(c.message), std::string::npos) << p.error().message;
    EXPECT_EQ(p.error().message.find('\n'), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Policy, PolicyMalformed,
    testing::Values(
        BadCase{"[groups.a]\nhosts = [\"198.18.9.4\"\n", "p.toml:2:23", "array"},  // TOML syntax
        BadCase{"bogus = 1\n[groups.a]\nhosts = [\"198.18.9.4\"]\n", "p.toml:1:1", "unknown key 'bogus'"},
        BadCase{"[groups.a]\nhosts = [\"198.18.9.4\"]\ncolour = \"red\"\n", "p.toml:3:1", "unknown key 'colour'"},
        BadCase{"[groups.a]\nhosts = [\"198.18.9.4\"]\n[[groups.a.allow]]\nport = 22\nowner = \"x\"\nexpiry = 2027-01-01\n",
                "p.toml:6:1", "unknown key 'expiry'"},
        BadCase{"[groups.a]\nhosts = \"198.18.9.4\"\n", "p.toml:2:9", "hosts must be a non-empty array"},
        BadCase{"[groups.a]\nhosts = []\n", "p.toml:2:9", "non-empty array"},
        BadCase{"[groups.a]\nhosts = [\"300.1.1.1\"]\n", "p.toml:2:10", "bad host '300.1.1.1'"},
        BadCase{"[groups.a]\nhosts = [\"198.18.0.0/33\"]\n", "p.toml:2:10", "prefix length must be 0-32"},
        BadCase{"[groups.a]\nhosts = [42]\n", "p.toml:2:10", "entries must be strings"},
        BadCase{"[groups.a]\nhosts = [\"198.18.9.4\"]\n[[groups.a.allow]]\nport = 70000\nowner = \"x\"\n", "p.toml:4:8",
                "out of range"},
        BadCase{"[groups.a]\nhosts = [\"198.18.9.4\"]\n[[groups.a.allow]]\nport = \"22/sctp\"\nowner = \"x\"\n",
                "p.toml:4:8", "bad port '22/sctp'"},
        BadCase{"[groups.a]\nhosts = [\"198.18.9.4\"]\n[[groups.a.allow]]\nport = 22\n", "p.toml:3:1", "has no owner"},
        BadCase{"[groups.a]\nhosts = [\"198.18.9.4\"]\n[[groups.a.allow]]\nowner = \"x\"\n", "p.toml:3:1", "has no port"},
        BadCase{"[groups.a]\nhosts = [\"198.18.9.4\"]\n[[groups.a.allow]]\nport = 22\nowner = \"x\"\nexpires = \"2027-01-01\"\n",
                "p.toml:6:11", "expires must be a date"},
        BadCase{"[groups.a]\nhosts = [\"198.18.9.4\"]\n[[groups.a.allow]]\nport = 22\nowner = \"x\"\nexpires = 2027-13-01\n",
                "p.toml:6:18", "month"},  // toml++: bad date
        BadCase{"[groups.a]\nhosts = [\"198.18.9.4\"]\n[[groups.a.allow]]\nport = 22\nowner = \"x\"\nmust_be_open = \"yes\"\n",
                "p.toml:6:16", "must_be_open must be true or false"},
        BadCase{"[groups.a]\nhosts = [\"198.18.9.4\"]\nunlisted = \"open\"\n", "p.toml:3:12", "must be \"closed\" or \"filtered\""},
        BadCase{"[defaults]\nunlisted = 3\n[groups.a]\nhosts = [\"198.18.9.4\"]\n", "p.toml:2:12", "defaults.unlisted"},
        BadCase{"[groups.a]\nhosts = [\"198.18.9.4\"]\n[[groups.a.allow]]\nport = 22\nowner = \"x\"\n[[groups.a.allow]]\n"
                "port = \"22/tcp\"\nowner = \"y\"\n",
                "p.toml:6:1", "already allowed at line 3"},
        BadCase{"[groups.a]\nhosts = [\"198.18.0.0/24\"]\n[groups.b]\nhosts = [\"198.18.0.7\"]\nunlisted = \"filtered\"\n",
                "p.toml:4:10", "conflicting rules"},
        BadCase{"[defaults]\nunlisted = \"closed\"\n", "p.toml:1:1", "no groups"},
        BadCase{"[groups.a]\nhosts = [\"198.18.9.4\"]\n[[groups.a.allow]]\nport = 22\nowner = \"\"\n", "p.toml:5:9",
                "owner must be a non-empty string"},
        BadCase{"[groups.a]\nhosts = [\"198.18.9.4\"]\nallow = 22\n", "p.toml:3:9", "allow must be an array of tables"},
        BadCase{"[groups.a]\nhosts = [\"bad_host!\"]\n", "p.toml:2:10", "bad host 'bad_host!'"}));

TEST(PolicyParse, OverlapWithSameRulesIsAllowed) {
    auto p = parse_policy("[groups.a]\nhosts = [\"198.18.0.0/24\"]\n[groups.b]\nhosts = [\"198.18.0.7\"]\n", "p.toml");
    EXPECT_TRUE(p) << p.error().message;
}

TEST(PolicyParse, MissingFileNamesIt) {
    auto p = load_policy("/nonexistent/policy.toml");
    ASSERT_FALSE(p);
    EXPECT_NE(p.error().message.find("/nonexistent/policy.toml"), std::string::npos);
}

}  // namespace
}  // namespace portwarden::audit

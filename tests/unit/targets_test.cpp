// TargetSet, target specs, resolvers and target list files.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <limits>
#include <map>
#include <iterator>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "portwarden/targets.hpp"

namespace portwarden {
namespace {

Address addr(std::string_view text) {
    const auto parsed = Address::parse(text);
    EXPECT_TRUE(parsed.has_value()) << text;
    return parsed.value_or(Address{});
}

// Maps names to addresses; counts calls; unknown names fail like a resolver would.
struct StubResolver {
    std::map<std::string, std::vector<Address>> table;
    std::shared_ptr<int> calls = std::make_shared<int>(0);

    Resolver resolver() const {
        return [table = table, calls = calls](const std::string& name) -> Result<std::vector<Address>> {
            ++*calls;
            const auto it = table.find(name);
            if (it == table.end()) {
                return fail("no such host");
            }
            return it->second;
        };
    }
};

// A resolver that must never be reached (numeric-looking specs).
Resolver failing_resolver() {
    return [](const std::string& name) -> Result<std::vector<Address>> {
        ADD_FAILURE() << "resolver called for '" << name << "'";
        return fail("resolver must not be called");
    };
}

TargetParseOptions numeric_only() {
    TargetParseOptions options;
    options.resolver = failing_resolver();
    return options;
}

TargetSet parse_all(const std::vector<std::string>& specs, const TargetParseOptions& options = numeric_only()) {
    TargetSet set;
    for (const auto& spec : specs) {
        const auto ok = set.add(spec, options);
        EXPECT_TRUE(ok.has_value()) << spec << ": " << (ok ? "" : ok.error().message);
    }
    return set;
}

std::vector<std::string> all_addresses(const TargetSet& set) {
    std::vector<std::string> out;
    for (std::uint64_t i = 0; i < set.size(); ++i) {
        out.push_back(set.at(i).to_string());
    }
    return out;
}

TEST(TargetsCidr, Ipv4CountsFirstLast) {
    const auto set = parse_all({"198.18.0.0/24"});
    EXPECT_EQ(set.size(), 256U);
    EXPECT_EQ(set.intervals().size(), 1U);
    EXPECT_EQ(set.at(0).to_string(), "198.18.0.0");
    EXPECT_EQ(set.at(255).to_string(), "198.18.0.255");
}

TEST(TargetsCidr, UnalignedBaseIsMasked) {
    const auto set = parse_all({"198.18.0.77/24"});
    EXPECT_EQ(set.size(), 256U);
    EXPECT_EQ(set.at(0).to_string(), "198.18.0.0");
}

TEST(TargetsCidr, BigBlocksAreOneInterval) {
    const auto set = parse_all({"127.0.0.0/8", "198.18.0.0/15"});
    EXPECT_EQ(set.size(), (std::uint64_t{1} << 24) + (std::uint64_t{1} << 17));
    ASSERT_EQ(set.intervals().size(), 2U);
    EXPECT_EQ(set.at((std::uint64_t{1} << 24) - 1).to_string(), "127.255.255.255");
    EXPECT_EQ(set.at(std::uint64_t{1} << 24).to_string(), "198.18.0.0");
    EXPECT_EQ(set.at(set.size() - 1).to_string(), "198.19.255.255");
}

TEST(TargetsCidr, SlashZeroAndSlash32) {
    const auto all = parse_all({"198.18.0.1/0"});
    EXPECT_EQ(all.size(), std::uint64_t{1} << 32);
    EXPECT_EQ(all.intervals().size(), 1U);
    const auto one = parse_all({"198.18.0.1/32"});
    EXPECT_EQ(all_addresses(one), std::vector<std::string>{"198.18.0.1"});
}

TEST(TargetsCidr, Ipv6) {
    const auto set = parse_all({"fd00::/120"});
    EXPECT_EQ(set.size(), 256U);
    EXPECT_EQ(set.at(0).to_string(), "fd00::");
    EXPECT_EQ(set.at(255).to_string(), "fd00::ff");
    const auto single = parse_all({"2001:db8::1/128"});
    EXPECT_EQ(single.size(), 1U);
}

TEST(TargetsCidr, Ipv6LimitNamesTokenAndCount) {
    TargetSet set;
    const auto at_limit = set.add("fd00::/96", numeric_only());
    EXPECT_TRUE(at_limit.has_value());
    EXPECT_EQ(set.size(), std::uint64_t{1} << 32);
    const auto too_big = set.add("fd00::/64", numeric_only());
    ASSERT_FALSE(too_big.has_value());
    EXPECT_NE(too_big.error().message.find("'fd00::/64'"), std::string::npos) << too_big.error().message;
    EXPECT_NE(too_big.error().message.find("18446744073709551616"), std::string::npos) << too_big.error().message;
    const auto whole = set.add("::/0", numeric_only());
    ASSERT_FALSE(whole.has_value());
    EXPECT_NE(whole.error().message.find("340282366920938463463374607431768211456"), std::string::npos);
}

TEST(TargetsCidr, MaxAddressesAppliesToIpv4) {
    TargetParseOptions options = numeric_only();
    options.max_addresses = 100;
    TargetSet set;
    const auto r = set.add("198.18.0.0/24", options);
    ASSERT_FALSE(r.has_value());
    EXPECT_NE(r.error().message.find("'198.18.0.0/24'"), std::string::npos);
    EXPECT_NE(r.error().message.find("256"), std::string::npos);
    const auto ranges = set.add("198.18.0-1.*", options);
    ASSERT_FALSE(ranges.has_value());
    EXPECT_NE(ranges.error().message.find("512"), std::string::npos);
}

TEST(TargetsCidr, HugeIpv6SetsAreChunked) {
    TargetParseOptions options = numeric_only();
    options.max_addresses = std::numeric_limits<std::uint64_t>::max();
    const auto set = parse_all({"fd00::/65", "fd00:0:0:0:8000::/65"}, options);
    ASSERT_EQ(set.intervals().size(), 2U);  // 2^64 addresses do not fit one count
    EXPECT_EQ(set.intervals()[0].count, std::uint64_t{1} << 63);
    EXPECT_EQ(set.size(), std::numeric_limits<std::uint64_t>::max());  // saturated
    EXPECT_EQ(set.at(std::uint64_t{1} << 63).to_string(), "fd00::8000:0:0:0");
}

TEST(TargetsCidr, OverlappingHugeIpv6Merge) {
    TargetParseOptions options = numeric_only();
    options.max_addresses = std::numeric_limits<std::uint64_t>::max();
    const auto set = parse_all({"fd00:0:0:0:4000::/66", "fd00::/65", "fd00:0:0:0:8000::/65", "fd00::5"}, options);
    ASSERT_EQ(set.intervals().size(), 2U);
    EXPECT_EQ(set.intervals()[0].first.to_string(), "fd00::");
    EXPECT_EQ(set.intervals()[1].first.to_string(), "fd00::8000:0:0:0");
    EXPECT_EQ(set.intervals()[1].count, std::uint64_t{1} << 63);
}

TEST(TargetsRanges, OctetRanges) {
    const auto set = parse_all({"198.18.0-1.1-20"});
    EXPECT_EQ(set.size(), 40U);
    EXPECT_EQ(set.intervals().size(), 2U);
    EXPECT_EQ(set.at(0).to_string(), "198.18.0.1");
    EXPECT_EQ(set.at(19).to_string(), "198.18.0.20");
    EXPECT_EQ(set.at(20).to_string(), "198.18.1.1");
    EXPECT_EQ(set.at(39).to_string(), "198.18.1.20");
}

TEST(TargetsRanges, WildcardListsAndOpenEnds) {
    EXPECT_EQ(parse_all({"198.18.0.*"}).size(), 256U);
    EXPECT_EQ(parse_all({"198.18.0.*"}).intervals().size(), 1U);
    EXPECT_EQ(all_addresses(parse_all({"198.18.1,3.5"})), (std::vector<std::string>{"198.18.1.5", "198.18.3.5"}));
    const auto low = parse_all({"198.18.0.-20"});
    EXPECT_EQ(low.size(), 21U);
    EXPECT_EQ(low.at(0).to_string(), "198.18.0.0");
    const auto high = parse_all({"198.18.0.250-"});
    EXPECT_EQ(all_addresses(high), (std::vector<std::string>{"198.18.0.250", "198.18.0.251", "198.18.0.252",
                                                              "198.18.0.253", "198.18.0.254", "198.18.0.255"}));
    const auto list = parse_all({"198.18.0.1,2,3,10-12"});
    EXPECT_EQ(list.size(), 6U);
    EXPECT_EQ(list.intervals().size(), 2U);
}

TEST(TargetsRanges, FullTrailingOctetsStayOneInterval) {
    const auto set = parse_all({"198.18-19.*.*"});
    EXPECT_EQ(set.size(), 131072U);
    EXPECT_EQ(set.intervals().size(), 1U);
    const auto gaps = parse_all({"198.18,19.1,3.*"});
    EXPECT_EQ(gaps.size(), 1024U);
    EXPECT_EQ(gaps.intervals().size(), 4U);
}

TEST(TargetsOrder, MixedFamiliesSortedUnique) {
    const auto set = parse_all({"fd00::2", "198.18.0.5", "::1", "127.0.0.1", "fd00::1", "198.18.0.5", "fd00::1"});
    EXPECT_EQ(all_addresses(set),
              (std::vector<std::string>{"127.0.0.1", "198.18.0.5", "::1", "fd00::1", "fd00::2"}));
}

TEST(TargetsOrder, OverlapsMerge) {
    const auto set = parse_all({"198.18.0.0/24", "198.18.0.5", "198.18.0.0-255", "198.18.1.0/25", "198.18.0.200-"});
    EXPECT_EQ(set.size(), 384U);
    EXPECT_EQ(set.intervals().size(), 1U);
}

TEST(TargetsExclude, SplitsAnInterval) {
    TargetSet set = parse_all({"198.18.0.0/24"});
    ASSERT_TRUE(set.exclude("198.18.0.10-19", numeric_only()).has_value());
    EXPECT_EQ(set.size(), 246U);
    ASSERT_EQ(set.intervals().size(), 2U);
    EXPECT_EQ(set.intervals()[0].count, 10U);
    EXPECT_EQ(set.at(9).to_string(), "198.18.0.9");
    EXPECT_EQ(set.at(10).to_string(), "198.18.0.20");
    EXPECT_EQ(set.at(245).to_string(), "198.18.0.255");
}

TEST(TargetsExclude, OrderIndependentAndAcrossIntervals) {
    TargetSet set;
    ASSERT_TRUE(set.exclude("198.18.0.100-200", numeric_only()).has_value());
    ASSERT_TRUE(set.add("198.18.0.0-150", numeric_only()).has_value());
    ASSERT_TRUE(set.add("198.18.0.180-255", numeric_only()).has_value());
    ASSERT_TRUE(set.add("fd00::/120", numeric_only()).has_value());
    ASSERT_TRUE(set.exclude("fd00::80/121", numeric_only()).has_value());
    ASSERT_TRUE(set.exclude("198.18.0.0", numeric_only()).has_value());
    EXPECT_EQ(set.size(), 99U + 55U + 128U);
    EXPECT_EQ(set.at(0).to_string(), "198.18.0.1");
    EXPECT_EQ(set.at(99).to_string(), "198.18.0.201");
    EXPECT_EQ(set.at(154).to_string(), "fd00::");
    EXPECT_EQ(set.at(281).to_string(), "fd00::7f");
}

TEST(TargetsExclude, EverythingExcluded) {
    TargetSet set = parse_all({"198.18.0.0/30", "fd00::1"});
    ASSERT_TRUE(set.exclude("198.18.0.0/24", numeric_only()).has_value());
    EXPECT_FALSE(set.exclude("fd00::/64", numeric_only()).has_value());  // over the default limit
    ASSERT_TRUE(set.exclude("fd00::1", numeric_only()).has_value());
    EXPECT_TRUE(set.empty());
    EXPECT_TRUE(set.intervals().empty());
}

// Random octet-range specs and exclusions in 198.18.0-3.x against a brute-force set.
TEST(TargetsExclude, MatchesBruteForce) {
    std::mt19937 rng(12345);
    const auto pick = [&rng](unsigned n) { return static_cast<unsigned>(rng() % n); };
    const auto random_spec = [&](std::set<std::uint32_t>& addresses) {
        const unsigned third_a = pick(4);
        const unsigned third_b = third_a + pick(4 - third_a);
        const unsigned last_a = pick(256);
        const unsigned last_b = last_a + pick(std::min(40U, 256 - last_a));
        for (unsigned t = third_a; t <= third_b; ++t) {
            for (unsigned l = last_a; l <= last_b; ++l) {
                addresses.insert((198U << 24) | (18U << 16) | (t << 8) | l);
            }
        }
        return "198.18." + std::to_string(third_a) + "-" + std::to_string(third_b) + "." + std::to_string(last_a) + "-" +
               std::to_string(last_b);
    };
    for (int round = 0; round < 200; ++round) {
        TargetSet set;
        std::set<std::uint32_t> included;
        std::set<std::uint32_t> excluded;
        const unsigned operations = 1 + pick(8);
        for (unsigned i = 0; i < operations; ++i) {
            if (pick(3) == 0) {
                ASSERT_TRUE(set.exclude(random_spec(excluded), numeric_only()).has_value());
            } else {
                ASSERT_TRUE(set.add(random_spec(included), numeric_only()).has_value());
            }
        }
        std::vector<std::uint32_t> expected;
        std::set_difference(included.begin(), included.end(), excluded.begin(), excluded.end(),
                            std::back_inserter(expected));
        ASSERT_EQ(set.size(), expected.size());
        for (std::size_t i = 0; i < expected.size(); ++i) {
            ASSERT_EQ(set.at(i), Address::from_v4(expected[i])) << "round " << round << " index " << i;
        }
        for (std::size_t i = 1; i < set.intervals().size(); ++i) {  // merged: gaps between intervals
            const auto& prev = set.intervals()[i - 1];
            ASSERT_LT(prev.first.v4() + prev.count, set.intervals()[i].first.v4());
        }
    }
}

TEST(TargetsAt, AcrossFamilies) {
    const auto set = parse_all({"fd00::/126", "198.18.0.0/30"});
    EXPECT_EQ(set.size(), 8U);
    EXPECT_EQ(set.at(3).to_string(), "198.18.0.3");
    EXPECT_EQ(set.at(4).to_string(), "fd00::");
    EXPECT_EQ(set.at(7).to_string(), "fd00::3");
}

TEST(TargetsHostnames, ResolvedOnceFirstAddressRemembered) {
    StubResolver stub;
    stub.table["scanme.test"] = {addr("198.18.0.7"), addr("fd00::7")};
    stub.table["web.test"] = {addr("fd00::1:5")};
    TargetParseOptions options;
    options.resolver = stub.resolver();
    TargetSet set;
    ASSERT_TRUE(set.add("scanme.test", options).has_value());
    ASSERT_TRUE(set.add("web.test", options).has_value());
    EXPECT_EQ(*stub.calls, 2);
    EXPECT_EQ(all_addresses(set), (std::vector<std::string>{"198.18.0.7", "fd00::1:5"}));
    EXPECT_EQ(set.hostname_of(addr("198.18.0.7")), "scanme.test");
    EXPECT_EQ(set.hostname_of(addr("fd00::1:5")), "web.test");
    EXPECT_EQ(set.hostname_of(addr("fd00::7")), "");
}

TEST(TargetsHostnames, NameWithPrefix) {
    StubResolver stub;
    stub.table["net.test"] = {addr("198.18.3.77")};
    stub.table["net6.test"] = {addr("fd00::1234")};
    TargetParseOptions options;
    options.resolver = stub.resolver();
    TargetSet set;
    ASSERT_TRUE(set.add("net.test/24", options).has_value());
    ASSERT_TRUE(set.add("net6.test/120", options).has_value());
    EXPECT_EQ(set.size(), 512U);
    EXPECT_EQ(set.at(0).to_string(), "198.18.3.0");
    EXPECT_EQ(set.at(256).to_string(), "fd00::1200");
    EXPECT_EQ(set.hostname_of(addr("198.18.3.77")), "net.test");
    const auto too_long = set.add("net.test/33", options);
    ASSERT_FALSE(too_long.has_value());
    EXPECT_NE(too_long.error().message.find("'net.test/33'"), std::string::npos);
}

TEST(TargetsHostnames, ResolutionFailures) {
    StubResolver stub;
    stub.table["empty.test"] = {};
    TargetParseOptions options;
    options.resolver = stub.resolver();
    TargetSet set;
    const auto missing = set.add("nosuch.invalid", options);
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().message, "cannot resolve 'nosuch.invalid': no such host");
    const auto empty = set.add("empty.test", options);
    ASSERT_FALSE(empty.has_value());
    EXPECT_NE(empty.error().message.find("'empty.test'"), std::string::npos);
    const auto no_resolver = set.add("host.test", TargetParseOptions{});
    ASSERT_FALSE(no_resolver.has_value());
    EXPECT_NE(no_resolver.error().message.find("'host.test'"), std::string::npos);
    EXPECT_TRUE(set.empty());
}

TEST(TargetsHostnames, ExcludeByName) {
    StubResolver stub;
    stub.table["gw.test"] = {addr("198.18.0.1")};
    TargetParseOptions options;
    options.resolver = stub.resolver();
    TargetSet set = parse_all({"198.18.0.0/30"});
    ASSERT_TRUE(set.exclude("gw.test", options).has_value());
    EXPECT_EQ(all_addresses(set), (std::vector<std::string>{"198.18.0.0", "198.18.0.2", "198.18.0.3"}));
}

TEST(TargetsHostnames, NumericLookingNeverResolved) {
    // Valid and invalid numeric specs alike: the failing resolver records any call.
    const TargetParseOptions options = numeric_only();
    for (const char* spec : {"198.18.0.1", "198.18.0.0/24", "198.18.0-1.*", "fd00::1", "::1", "300.1.1.1",
                             "1.2.3", "1.2.3.4.5", "1..2.3", "1", "12345", "198.18.0.1.", "fd00::g", "1:2",
                             "198.18.5-1.1", "198.18.0.0/33"}) {
        TargetSet set;
        (void)set.add(spec, options);
    }
}

struct BadSpec {
    const char* spec;
    const char* reason;  // expected part of the message besides the token
};

TEST(TargetsBadInput, ErrorsNameTheToken) {
    const BadSpec cases[] = {
        {"300.1.1.1", "octet 300 is out of range 0-255"},
        {"1.2.3.4.5", "expected 4 octets, got 5"},
        {"1.2.3", "expected 4 octets, got 3"},
        {"1..2.3", "octet 2 is empty"},
        {"198.18.0.0/33", "prefix length 33 > 32"},
        {"fd00::/129", "prefix length 129 > 128"},
        {"fd00::g", "not a valid IPv6 address"},
        {"198.18.5-1.1", "reversed"},
        {"198.18.0.256", "out of range"},
        {"99999999999.1.1.1", "out of range"},
        {"198.18.0.0/", "missing prefix length"},
        {"198.18.0.0/2x", "not a number"},
        {"198.18.0.0/24/1", "not a number"},
        {"fd00::/-1", "not a number"},
        {"198.18.0-1.0/24", "single address"},
        {"198.18.0.1-2-3", "bad octet range"},
        {"198.18.0.1,", "empty octet list item"},
        {"198.18.0.1*", "bad octet"},
        {"-", "expected 4 octets"},
        {"/24", "missing address"},
        {":::", "not a valid IPv6 address"},
        {"fd00::1::2", "not a valid IPv6 address"},
        {"fe80::1%eth0", "not a valid IPv6 address"},
        {"bad_host!", "not allowed"},
        {"-host.test", "starts or ends with '-'"},
        {"host..test", "empty label"},
        {"host.123", "numeric label"},
        {"", "empty target"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.spec);
        TargetSet set;
        const auto r = set.add(c.spec, numeric_only());
        ASSERT_FALSE(r.has_value());
        const std::string& message = r.error().message;
        EXPECT_NE(message.find(std::string("'") + c.spec + "'"), std::string::npos) << message;
        EXPECT_NE(message.find(c.reason), std::string::npos) << message;
        EXPECT_EQ(message.find('\n'), std::string::npos) << message;
        EXPECT_TRUE(set.empty());
    }
}

TEST(TargetsBadInput, ExactMessages) {
    TargetSet set;
    EXPECT_EQ(set.add("300.1.1.1", numeric_only()).error().message,
              "bad target '300.1.1.1': octet 300 is out of range 0-255");
    EXPECT_EQ(set.add("fd00::/129", numeric_only()).error().message, "bad target 'fd00::/129': prefix length 129 > 128");
}

TEST(TargetsSystemResolver, NumericLiteralsNeedNoLookup) {
    const Resolver resolve = system_resolver();
    const auto v4 = resolve("127.0.0.1");
    ASSERT_TRUE(v4.has_value()) << v4.error().message;
    ASSERT_EQ(v4->size(), 1U);
    EXPECT_EQ(v4->front().to_string(), "127.0.0.1");
    const auto v6 = resolve("::1");
    ASSERT_TRUE(v6.has_value()) << v6.error().message;
    EXPECT_EQ(v6->front().to_string(), "::1");
}

TEST(TargetsList, SplitsWhitespaceAndComments) {
    const auto specs = split_target_list("198.18.0.1 198.18.0.2\n# a comment line\nfd00::1 # trailing\n"
                                         "\thost.test\r\n198.18.0.0/24#glued\n\n");
    EXPECT_EQ(specs, (std::vector<std::string>{"198.18.0.1", "198.18.0.2", "fd00::1", "host.test", "198.18.0.0/24"}));
    EXPECT_TRUE(split_target_list("").empty());
    EXPECT_TRUE(split_target_list("# only\n  # comments").empty());
}

TEST(TargetsList, ReadTextFile) {
    const std::string path = testing::TempDir() + "pw_targets_list.txt";
    {
        std::ofstream out(path);
        out << "198.18.0.1\n198.18.0.2\n";
    }
    const auto text = read_text_file(path, kTargetListLimits);
    ASSERT_TRUE(text.has_value()) << text.error().message;
    EXPECT_EQ(*text, "198.18.0.1\n198.18.0.2\n");
    std::remove(path.c_str());

    const auto missing = read_text_file("/nonexistent/pw/targets.txt", kTargetListLimits);
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().message, "cannot read '/nonexistent/pw/targets.txt': No such file or directory");
    const auto directory = read_text_file("/", kTargetListLimits);
    ASSERT_FALSE(directory.has_value());
    EXPECT_NE(directory.error().message.find("cannot read '/'"), std::string::npos);
}

}  // namespace
}  // namespace portwarden

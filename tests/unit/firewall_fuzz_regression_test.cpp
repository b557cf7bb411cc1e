// Inputs the fuzz targets nft_json and iptables_save crashed on (fuzz/corpus/*/crash-*): each
// is now a one-line error or a parsed ruleset, never an abort.
#include <gtest/gtest.h>

#include "portwarden/firewall.hpp"

namespace portwarden::firewall {
namespace {

TEST(FirewallFuzzRegression, NftJsonValueOfAnotherType) {
    // The fuzzer's input: an nft dump with an array where the reader takes a string threw
    // nlohmann's type_error out of parse_nft_json (an abort in every command reading it).
    const std::string path = PW_SOURCE_DIR "/fuzz/corpus/nft_json/crash-type-error.json";
    const auto r = load_ruleset(path);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("type must be string"), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
}

TEST(FirewallFuzzRegression, IptablesSaveLineOfBlanks) {
    // A line of only spaces read words()[0] of an empty list.
    const auto r = parse_iptables_save("*filter\n:INPUT DROP [0:0]\n   \n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n",
                                       "x.rules");
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_EQ(r->chains.size(), 1U);
    EXPECT_EQ(r->chains[0].rules.size(), 1U);
}

TEST(FirewallFuzzRegression, NftJsonHandleThatIsAFloat) {
    // The fuzzer's input (fuzz/corpus/nft_json/crash-handle-float.json): a rule whose "handle" was
    // 2.66667e+86, converted to an unsigned integer (undefined behaviour, caught by UBSan).
    const auto r = load_ruleset(PW_SOURCE_DIR "/fuzz/corpus/nft_json/crash-handle-float.json");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("bad handle"), std::string::npos) << r.error().message;
    const auto small = parse_nft_json(
        R"({"nftables": [{"table": {"family": "inet", "name": "t", "handle": 1}},)"
        R"( {"chain": {"family": "inet", "table": "t", "name": "c", "handle": 2}},)"
        R"( {"rule": {"family": "inet", "table": "t", "chain": "c", "handle": 2.5e86, "expr": []}}]})",
        "x.json");
    ASSERT_FALSE(small);
    EXPECT_NE(small.error().message.find("bad handle 2.5e+86"), std::string::npos) << small.error().message;
}

TEST(FirewallFuzzRegression, IptablesSaveValueThatIsNotUtf8) {
    // The fuzzer's input (fuzz/corpus/iptables_save/crash-utf8-dump): a value that is not UTF-8
    // went into an error message through nlohmann's dump(), which throws on such bytes (abort).
    const auto path = PW_SOURCE_DIR "/fuzz/corpus/iptables_save/crash-utf8-dump";
    EXPECT_NO_THROW((void)load_ruleset(path));
    std::string text = "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport \xff\xfe -j DROP\nCOMMIT\n";
    EXPECT_NO_THROW({
        const auto r = parse_iptables_save(text, "x.rules");
        if (!r) {
            EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
        }
    });
}

}  // namespace
}  // namespace portwarden::firewall

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

}  // namespace
}  // namespace portwarden::firewall

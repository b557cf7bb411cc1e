// ServiceNames: the shared nmap-services / /etc/services format.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "portwarden/services.hpp"

namespace portwarden {
namespace {

constexpr const char* sample =
    "# a comment line\n"
    "\n"
    "http\t80/tcp\t0.50\t# web\n"
    "http\t80/udp\t0.02\n"
    "ssh 22/tcp 0.25 # secure shell\n"
    "domain   53/udp\n"
    "www 80/tcp 0.01\n"                        // same port again: first name wins
    "sctp-thing 80/sctp 0.1\n"                 // other protocols are skipped
    "kerberos 88/tcp kerberos5 krb5 # aliases\n"
    "   \t  \n"
    "bad line\n"
    "toolarge 99999/tcp\n"
    "noproto 7/\n"
    "http-alt 8080/tcp\r\n"
    "ssh 2222/tcp\n";                          // same name again: first port wins

TEST(ServicesParse, NamesByPortAndProto) {
    const auto names = ServiceNames::parse(sample);
    EXPECT_EQ(names.name(80, Proto::tcp), "http");
    EXPECT_EQ(names.name(80, Proto::udp), "http");
    EXPECT_EQ(names.name(22, Proto::tcp), "ssh");
    EXPECT_EQ(names.name(22, Proto::udp), "");
    EXPECT_EQ(names.name(53, Proto::udp), "domain");
    EXPECT_EQ(names.name(88, Proto::tcp), "kerberos");
    EXPECT_EQ(names.name(8080, Proto::tcp), "http-alt");
    EXPECT_EQ(names.name(2222, Proto::tcp), "ssh");
    EXPECT_TRUE(names.name(7, Proto::tcp).empty());
    EXPECT_TRUE(names.name(9, Proto::tcp).empty());
    EXPECT_TRUE(names.source_path.empty());
}

TEST(ServicesParse, PortsByName) {
    const auto names = ServiceNames::parse(sample);
    EXPECT_EQ(names.port("ssh", Proto::tcp), 22);
    EXPECT_EQ(names.port("http", Proto::udp), 80);
    EXPECT_EQ(names.port("www", Proto::tcp), 80);
    EXPECT_EQ(names.port("domain", Proto::udp), 53);
    EXPECT_FALSE(names.port("domain", Proto::tcp).has_value());
    EXPECT_FALSE(names.port("kerberos5", Proto::tcp).has_value());  // aliases are not names
    EXPECT_FALSE(names.port("sctp-thing", Proto::tcp).has_value());
    EXPECT_FALSE(names.port("toolarge", Proto::tcp).has_value());
    EXPECT_FALSE(names.port("", Proto::tcp).has_value());
}

TEST(ServicesParse, EmptyTable) {
    const ServiceNames names;
    EXPECT_TRUE(names.name(80, Proto::tcp).empty());
    EXPECT_FALSE(names.port("http", Proto::tcp).has_value());
    EXPECT_TRUE(ServiceNames::parse("").name(80, Proto::tcp).empty());
}

TEST(ServicesLoad, FileSetsSourcePath) {
    const std::string path = testing::TempDir() + "pw_services_test.txt";
    {
        std::ofstream out(path);
        out << sample;
    }
    const auto names = ServiceNames::load_file(path);
    ASSERT_TRUE(names.has_value()) << names.error().message;
    EXPECT_EQ(names->source_path, path);
    EXPECT_EQ(names->name(22, Proto::tcp), "ssh");
    std::remove(path.c_str());

    const auto missing = ServiceNames::load_file("/nonexistent/pw-services");
    ASSERT_FALSE(missing.has_value());
    EXPECT_NE(missing.error().message.find("'/nonexistent/pw-services'"), std::string::npos);
}

TEST(ServicesLoad, DefaultPrefersNmapServices) {
    const auto names = ServiceNames::load_default();
    if (std::filesystem::exists("/usr/share/nmap/nmap-services")) {
        EXPECT_EQ(names.source_path, "/usr/share/nmap/nmap-services");
    } else if (std::filesystem::exists("/etc/services")) {
        EXPECT_EQ(names.source_path, "/etc/services");
    } else {
        EXPECT_TRUE(names.source_path.empty());
    }
    if (!names.source_path.empty()) {
        EXPECT_EQ(names.name(22, Proto::tcp), "ssh");
    }
}

}  // namespace
}  // namespace portwarden

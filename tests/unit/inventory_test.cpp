// The listener inventory's pure parts (cgroup -> unit/container, bind kinds, exposure,
// [[may_listen]] rules and their matching, the JSON report) and, on loopback, inventory()
// finding this test's own sockets.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "portwarden/inventory.hpp"

namespace portwarden {
namespace {

TEST(InventoryCgroup, SystemdUnitsAndContainers) {
    struct Case {
        std::string text;
        std::optional<std::string> unit;
        std::optional<Container> container;
    };
    const std::string id(64, 'a');
    const std::vector<Case> cases{
        {"0::/system.slice/ssh.service\n", "ssh.service", {}},
        {"0::/user.slice/user-1000.slice/session-3.scope\n", "session-3.scope", {}},
        {"0::/user.slice/user-1000.slice/user@1000.service/app.slice/foo.service\n", "foo.service", {}},
        {"0::/user.slice/user-1000.slice/user@1000.service/init.scope\n", "user@1000.service", {}},
        {"0::/init.scope\n", "init.scope", {}},
        {"0::/\n", {}, {}},
        {"", {}, {}},
        {"garbage without colons\n", {}, {}},
        {"0::/system.slice/docker-" + id + ".scope\n", "docker-" + id + ".scope", Container{"docker", id}},
        {"0::/docker/" + id + "\n", {}, Container{"docker", id}},
        {"0::/machine.slice/libpod-abc123.scope/container\n", "libpod-abc123.scope", Container{"podman", "abc123"}},
        {"0::/machine.slice/libpod-conmon-abc123.scope\n", "libpod-conmon-abc123.scope", {}},
        {"0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice/cri-containerd-ff.scope\n",
         "cri-containerd-ff.scope", Container{"containerd", "ff"}},
        {"0::/kubepods/besteffort/pod1234/" + id + "\n", {}, Container{"kubernetes", id}},
        {"0::/machine.slice/systemd-nspawn@box.service/payload\n", "systemd-nspawn@box.service",
         Container{"nspawn", "box"}},
        {"0::/lxc.payload.web1/system.slice/nginx.service\n", "nginx.service", Container{"lxc", "web1"}},
        // cgroup v1: the name=systemd hierarchy
        {"12:memory:/x\n1:name=systemd:/system.slice/cron.service\n", "cron.service", {}},
    };
    for (const Case& c : cases) {
        const CgroupPlace place = parse_cgroup(c.text);
        EXPECT_EQ(place.unit, c.unit) << c.text;
        EXPECT_EQ(place.container, c.container) << c.text;
    }
    EXPECT_EQ(parse_cgroup("1:name=systemd:/a.service\n0::/b.service\n").path, "/b.service");  // v2 first
}

TEST(InventoryBind, Kinds) {
    const std::vector<std::pair<const char*, BindKind>> cases{
        {"0.0.0.0", BindKind::wildcard},       {"::", BindKind::wildcard},
        {"::ffff:0.0.0.0", BindKind::wildcard}, {"127.0.0.1", BindKind::loopback},
        {"127.1.2.3", BindKind::loopback},     {"::1", BindKind::loopback},
        {"::ffff:127.0.0.1", BindKind::loopback}, {"198.18.0.1", BindKind::specific},
        {"fd00::1", BindKind::specific},       {"::2", BindKind::specific},
        {"::ffff:198.18.0.1", BindKind::specific}, {"128.0.0.1", BindKind::specific},
    };
    for (const auto& [text, kind] : cases) {
        EXPECT_EQ(classify_bind(*Address::parse(text)), kind) << text;
    }
    EXPECT_EQ(classify_bind(*Address::parse("0.0.0.0"), "lo"), BindKind::loopback);
    EXPECT_EQ(classify_bind(*Address::parse("::"), "eth0"), BindKind::wildcard);
    EXPECT_EQ(parse_bind_kind("loopback"), BindKind::loopback);
    EXPECT_EQ(parse_bind_kind("any"), std::nullopt);
}

Listener listener(Proto proto, const char* address, std::uint16_t port, const char* command = nullptr,
                  const char* user = "root", std::optional<std::string> unit = {}) {
    Listener l;
    l.proto = proto;
    l.address = *Address::parse(address);
    l.port = port;
    l.bind = classify_bind(l.address);
    l.exposure = exposure_without_firewall(l);
    if (command != nullptr) {
        l.processes.push_back(ListenerProcess{42, command, 0, user, std::move(unit), {}});
    }
    return l;
}

TEST(InventoryExposure, LoopbackIsLocalOnlyElseUnknown) {
    EXPECT_EQ(listener(Proto::tcp, "127.0.0.1", 1).exposure, Exposure::local_only);
    EXPECT_EQ(listener(Proto::udp, "::1", 1).exposure, Exposure::local_only);
    EXPECT_EQ(listener(Proto::tcp, "::ffff:127.0.0.53", 1).exposure, Exposure::local_only);
    EXPECT_EQ(listener(Proto::tcp, "0.0.0.0", 1).exposure, Exposure::unknown);
    EXPECT_EQ(listener(Proto::tcp, "198.18.0.1", 1).exposure, Exposure::unknown);
    EXPECT_EQ(to_string(Exposure::local_only), "local-only");
}

constexpr const char* listen_policy = R"(# listeners only
[[may_listen]]
port = 22
process = "sshd"
owner = "ops"

[[may_listen]]
port = "53/udp"
bind = "loopback"

[[may_listen]]
port = 8080
address = "198.18.0.1"
user = "www-data"
unit = "web.service"
note = "the app"
)";

TEST(InventoryPolicy, ParsesMayListen) {
    auto p = audit::parse_policy(listen_policy, "l.toml");
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_TRUE(p->groups.empty());
    ASSERT_EQ(p->may_listen.size(), 3U);
    EXPECT_EQ(p->may_listen[0].port, 22);
    EXPECT_EQ(p->may_listen[0].process, "sshd");
    EXPECT_EQ(p->may_listen[0].owner, "ops");
    EXPECT_EQ(p->may_listen[0].pos.line, 2U);
    EXPECT_EQ(p->may_listen[1].proto, Proto::udp);
    EXPECT_EQ(p->may_listen[1].bind, BindKind::loopback);
    EXPECT_EQ(p->may_listen[2].address, Address::parse("198.18.0.1"));
    EXPECT_EQ(p->may_listen[2].unit, "web.service");
}

TEST(InventoryPolicy, GroupsAndMayListenTogether) {
    const std::string text = std::string("[groups.web]\nhosts = [\"198.18.1.10\"]\n") + listen_policy;
    auto p = audit::parse_policy(text, "both.toml");
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(p->groups.size(), 1U);
    EXPECT_EQ(p->may_listen.size(), 3U);
}

TEST(InventoryPolicy, BadMayListenNamesThePlace) {
    const std::vector<std::pair<std::string, std::string>> cases{
        {"[[may_listen]]\nport = 22\nbind = \"any\"\n", "l.toml:3:8: may_listen.bind: bad bind 'any'"},
        {"[[may_listen]]\nport = 22\naddress = \"db\"\n", "l.toml:3:11: may_listen.address: bad address 'db'"},
        {"[[may_listen]]\nport = 22\nprogram = \"x\"\n", "l.toml:3:1: unknown key 'program' in [[may_listen]]"},
        {"[[may_listen]]\nprocess = \"x\"\n", "l.toml:1:1: may_listen entry has no port"},
        {"[[may_listen]]\nport = 70000\n", "l.toml:2:8: may_listen.port: port 70000 is out of range"},
        {"[[may_listen]]\nport = 22\nuser = \"\"\n", "l.toml:3:8: may_listen.user must be a non-empty string"},
        {"may_listen = 3\n", "l.toml:1:14: may_listen must be an array of tables"},
        {"may_listen = []\n", "the policy names no groups"},
    };
    for (const auto& [text, want] : cases) {
        auto p = audit::parse_policy(text, "l.toml");
        ASSERT_FALSE(p) << text;
        EXPECT_NE(p.error().message.find(want), std::string::npos) << p.error().message;
    }
}

TEST(InventoryPolicy, MatchingRules) {
    auto p = audit::parse_policy(listen_policy, "l.toml");
    ASSERT_TRUE(p);
    const std::vector<Listener> listeners{
        listener(Proto::tcp, "0.0.0.0", 22, "sshd"),                                 // allowed
        listener(Proto::tcp, "::", 22, "python3"),                                   // wrong process
        listener(Proto::udp, "127.0.0.53", 53, "systemd-resolve"),                   // allowed
        listener(Proto::udp, "0.0.0.0", 53, "dnsmasq"),                              // not loopback
        listener(Proto::tcp, "198.18.0.1", 8080, "app", "www-data", "web.service"),  // allowed
        listener(Proto::tcp, "198.18.0.2", 8080, "app", "www-data", "web.service"),  // other address
        listener(Proto::tcp, "198.18.0.1", 8080, "app", "root", "web.service"),      // other user
        listener(Proto::tcp, "127.0.0.1", 9000),                                     // no rule, no process
    };
    const auto found = check_listeners(*p, listeners);
    std::vector<std::string> messages;
    for (const auto& v : found) {
        messages.push_back(v.message);
    }
    ASSERT_EQ(found.size(), 5U) << ::testing::PrintToString(messages);
    EXPECT_EQ(messages[0], "unexpected listener tcp [::]:22 (python3 pid 42 user root): the [[may_listen]] rule "
                           "for 22/tcp at line 2 wants process 'sshd'");
    EXPECT_NE(messages[1].find("0.0.0.0:53 (dnsmasq pid 42 user root): the [[may_listen]] rule for 53/udp at line 7 "
                               "wants bind 'loopback'"),
              std::string::npos);
    EXPECT_NE(messages[2].find("wants address 198.18.0.1"), std::string::npos);
    EXPECT_NE(messages[3].find("wants user 'www-data', unit 'web.service'"), std::string::npos);
    EXPECT_EQ(messages[4], "unexpected listener tcp 127.0.0.1:9000 (no process): no [[may_listen]] rule allows it");
    EXPECT_TRUE(allows(p->may_listen[0], listeners[0]));
    EXPECT_FALSE(allows(p->may_listen[0], listeners[1]));
}

TEST(InventoryPolicy, ScanAuditNeedsGroups) {
    const std::string path = ::testing::TempDir() + "/may_listen_only.toml";
    std::FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs(listen_policy, f);
    std::fclose(f);
    EXPECT_TRUE(audit::load_policy(path));
    auto host = audit::load_host_policy(path);
    ASSERT_FALSE(host);
    EXPECT_NE(host.error().message.find("the policy names no groups"), std::string::npos);
}

TEST(InventoryReport, JsonFields) {
    Listener l = listener(Proto::tcp, "::", 22, "sshd", "root", "ssh.service");
    l.v6only = false;
    l.inode = 77;
    const auto doc = nlohmann::json::parse(render_inventory_json({l}, "ns1"));
    EXPECT_EQ(doc["netns"], "ns1");
    const auto& j = doc["listeners"][0];
    EXPECT_EQ(j["proto"], "tcp");
    EXPECT_EQ(j["family"], "ipv6");
    EXPECT_EQ(j["address"], "::");
    EXPECT_EQ(j["port"], 22);
    EXPECT_EQ(j["bind"], "wildcard");
    EXPECT_EQ(j["v6only"], false);
    EXPECT_TRUE(j["device"].is_null());
    EXPECT_EQ(j["inode"], 77);
    EXPECT_EQ(j["exposure"], "unknown");
    EXPECT_EQ(j["processes"][0]["pid"], 42);
    EXPECT_EQ(j["processes"][0]["command"], "sshd");
    EXPECT_EQ(j["processes"][0]["user"], "root");
    EXPECT_EQ(j["processes"][0]["unit"], "ssh.service");
    EXPECT_TRUE(j["processes"][0]["container"].is_null());
    EXPECT_FALSE(doc.contains("policy"));
    const std::string text = render_inventory_text({l});
    EXPECT_NE(text.find("tcp   [::]:22 wildcard,+v4 sshd[42] root ssh.service unknown"), std::string::npos)
        << text;
}

// A socket bound on loopback by this process.
int bound_socket(int family, int type, const char* address) {
    const int fd = ::socket(family, type | SOCK_CLOEXEC, 0);
    sockaddr_storage storage{};
    socklen_t length = 0;
    if (family == AF_INET) {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        ::inet_pton(AF_INET, address, &a.sin_addr);
        std::memcpy(&storage, &a, sizeof(a));
        length = sizeof(a);
    } else {
        sockaddr_in6 a{};
        a.sin6_family = AF_INET6;
        ::inet_pton(AF_INET6, address, &a.sin6_addr);
        std::memcpy(&storage, &a, sizeof(a));
        length = sizeof(a);
    }
    sockaddr* generic = static_cast<sockaddr*>(static_cast<void*>(&storage));
    if (fd < 0 || ::bind(fd, generic, length) != 0 || (type == SOCK_STREAM && ::listen(fd, 4) != 0)) {
        return -1;
    }
    return fd;
}

std::uint16_t port_of(int fd) {
    sockaddr_storage storage{};
    socklen_t length = sizeof(storage);
    ::getsockname(fd, static_cast<sockaddr*>(static_cast<void*>(&storage)), &length);
    sockaddr_in a{};
    std::memcpy(&a, &storage, sizeof(a));  // sin_port and sin6_port sit at the same offset
    return ntohs(a.sin_port);
}

TEST(InventoryLive, FindsOwnLoopbackSockets) {
    const int tcp = bound_socket(AF_INET, SOCK_STREAM, "127.0.0.1");
    const int udp = bound_socket(AF_INET6, SOCK_DGRAM, "::1");
    ASSERT_GE(tcp, 0);
    ASSERT_GE(udp, 0);
    auto listeners = inventory();
    if (::geteuid() != 0 && !listeners) {  // not root: only the documented refusal is acceptable
        EXPECT_NE(listeners.error().message.find("permission denied"), std::string::npos) << listeners.error().message;
    } else {
        ASSERT_TRUE(listeners) << listeners.error().message;
        int seen = 0;
        for (const Listener& l : *listeners) {
            const bool ours_tcp = l.proto == Proto::tcp && l.port == port_of(tcp) && l.address.to_string() == "127.0.0.1";
            const bool ours_udp = l.proto == Proto::udp && l.port == port_of(udp) && l.address.to_string() == "::1";
            if (ours_tcp || ours_udp) {
                ++seen;
                EXPECT_EQ(l.bind, BindKind::loopback);
                EXPECT_EQ(l.exposure, Exposure::local_only);
                ASSERT_EQ(l.processes.size(), 1U);
                EXPECT_EQ(l.processes[0].pid, ::getpid());
                EXPECT_EQ(l.processes[0].uid, ::geteuid());
                EXPECT_EQ(l.v6only.has_value(), ours_udp);
            }
        }
        EXPECT_EQ(seen, 2);
    }
    ::close(tcp);
    ::close(udp);
}

TEST(InventoryLive, MissingNamespaceIsOneLine) {
    auto r = inventory(InventoryOptions{"pw-no-such-namespace-x"});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message,
              "network namespace 'pw-no-such-namespace-x' does not exist (no /run/netns/pw-no-such-namespace-x; "
              "see ip netns list)");
    auto bad = inventory(InventoryOptions{"../etc"});
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("bad --netns '../etc'"), std::string::npos);
}

}  // namespace
}  // namespace portwarden

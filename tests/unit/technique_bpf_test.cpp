// The capture filter each raw module declares must compile with libpcap and let through exactly
// the candidate replies: packets to our address and source-port range (TCP or UDP as the module
// sends), and ICMP/ICMPv6 errors to us; nothing addressed elsewhere, nothing to other ports.
// The ICMP pings: their reply type and the ICMP errors to us, no other ICMPv6 traffic.
#include <gtest/gtest.h>
#include <pcap/pcap.h>
#include <tins/tins.h>

#include <cstdint>
#include <string>
#include <vector>

#include "portwarden/classify.hpp"
#include "techniques/technique.hpp"

namespace portwarden::techniques {
namespace {

ScanContext context() {
    ScanContext c;
    c.key = net::SipKey{0x0123456789abcdefULL, 0xfedcba9876543210ULL};
    c.source_v4 = Address::parse("198.18.0.1");
    c.source_v6 = Address::parse("fd00::1");
    return c;
}

// Compiles `filter` for a link type and runs it over one packet. -1: it did not compile.
int matches(const std::string& filter, int link_type, std::vector<std::uint8_t> packet) {
    pcap_t* dead = pcap_open_dead(link_type, 65535);
    bpf_program program{};
    const int compiled = pcap_compile(dead, &program, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN);
    pcap_close(dead);
    if (compiled != 0) {
        return -1;
    }
    pcap_pkthdr header{};
    header.caplen = static_cast<bpf_u_int32>(packet.size());
    header.len = header.caplen;
    const int result = pcap_offline_filter(&program, &header, packet.data());
    pcap_freecode(&program);
    return result != 0 ? 1 : 0;
}

std::vector<std::uint8_t> ethernet(Tins::PDU& inner) {
    Tins::EthernetII frame = Tins::EthernetII("02:00:00:00:00:01", "02:00:00:00:00:02") / inner;
    return frame.serialize();
}

struct Case {
    const char* what;
    std::vector<std::uint8_t> raw;  // starting at the IP header
    bool pass;
};

std::vector<Case> cases(bool tcp) {
    const std::uint16_t ours = 32800;  // inside the default range 32768..49151
    auto l4 = [&](std::uint16_t dport) -> std::vector<std::uint8_t> {
        if (tcp) {
            Tins::IP ip = Tins::IP("198.18.0.1", "198.18.1.2") / Tins::TCP(dport, 22);
            return ip.serialize();
        }
        Tins::IP ip = Tins::IP("198.18.0.1", "198.18.1.2") / Tins::UDP(dport, 53);
        return ip.serialize();
    };
    auto l4_v6 = [&](std::uint16_t dport) -> std::vector<std::uint8_t> {
        if (tcp) {
            Tins::IPv6 ip = Tins::IPv6("fd00::1", "fd00::2") / Tins::TCP(dport, 22);
            return ip.serialize();
        }
        Tins::IPv6 ip = Tins::IPv6("fd00::1", "fd00::2") / Tins::UDP(dport, 53);
        return ip.serialize();
    };
    Tins::IP icmp = Tins::IP("198.18.0.1", "198.18.0.254") / Tins::ICMP(Tins::ICMP::DEST_UNREACHABLE);
    Tins::IPv6 icmp6 = Tins::IPv6("fd00::1", "fd00::fe") / Tins::ICMPv6(Tins::ICMPv6::DEST_UNREACHABLE);
    Tins::IP elsewhere = Tins::IP("198.18.0.9", "198.18.1.2") / Tins::TCP(ours, 22);
    Tins::IP other_proto = tcp ? Tins::IP("198.18.0.1", "198.18.1.2") / Tins::UDP(ours, 53)
                               : Tins::IP("198.18.0.1", "198.18.1.2") / Tins::TCP(ours, 22);
    return {
        {"reply to our port", l4(ours), true},
        {"reply to the first port of the range", l4(32768), true},
        {"reply to a port below the range", l4(32767), false},
        {"reply to a port above the range", l4(49152), false},
        {"IPv6 reply to our port", l4_v6(ours), true},
        {"IPv6 reply to another port", l4_v6(80), false},
        {"ICMP error to us", icmp.serialize(), true},
        {"ICMPv6 error to us", icmp6.serialize(), true},
        {"packet to another address", elsewhere.serialize(), false},
        {"other L4 protocol to our port", other_proto.serialize(), false},
    };
}

// Runs every case through the filter on a raw IP and an Ethernet link.
void check_cases(const std::string& filter, const std::vector<Case>& all) {
    SCOPED_TRACE(filter);
    for (const Case& c : all) {
        SCOPED_TRACE(c.what);
        EXPECT_EQ(matches(filter, DLT_RAW, c.raw), c.pass ? 1 : 0) << "raw IP link";
        Tins::RawPDU inner(c.raw.data(), static_cast<std::uint32_t>(c.raw.size()));
        std::vector<std::uint8_t> frame = ethernet(inner);
        // RawPDU gives no ethertype: set it from the IP version.
        const bool v6 = (c.raw.at(0) >> 4) == 6;
        frame.at(12) = v6 ? 0x86 : 0x08;
        frame.at(13) = v6 ? 0xdd : 0x00;
        EXPECT_EQ(matches(filter, DLT_EN10MB, frame), c.pass ? 1 : 0) << "Ethernet link";
    }
}

void check_module(const Module& module, bool tcp) {
    check_cases(module.bpf_filter(context()), cases(tcp));
}

std::vector<std::uint8_t> icmp4(const char* dst, int type) {
    Tins::IP ip = Tins::IP(dst, "198.18.1.2") / Tins::ICMP(static_cast<Tins::ICMP::Flags>(type));
    return ip.serialize();
}

std::vector<std::uint8_t> icmp6(const char* dst, int type) {
    Tins::IPv6 ip =
        Tins::IPv6(dst, "fd00::2") / Tins::ICMPv6(static_cast<Tins::ICMPv6::Types>(type));
    return ip.serialize();
}

// The pings' replies and the errors quoting them pass; requests, neighbour discovery, MLD and
// router advertisements do not.
std::vector<Case> ping_cases(bool echo) {
    Tins::IP tcp = Tins::IP("198.18.0.1", "198.18.1.2") / Tins::TCP(32800, 22);
    return {
        {"echo reply", icmp4("198.18.0.1", 0), echo},
        {"timestamp reply", icmp4("198.18.0.1", 14), !echo},
        {"destination unreachable", icmp4("198.18.0.1", 3), true},
        {"time exceeded", icmp4("198.18.0.1", 11), true},
        {"echo request", icmp4("198.18.0.1", 8), false},
        {"timestamp request", icmp4("198.18.0.1", 13), false},
        {"echo reply to another address", icmp4("198.18.0.9", 0), false},
        {"ICMPv6 echo reply", icmp6("fd00::1", 129), echo},
        {"ICMPv6 destination unreachable", icmp6("fd00::1", 1), echo},
        {"ICMPv6 time exceeded", icmp6("fd00::1", 3), echo},
        {"ICMPv6 echo request", icmp6("fd00::1", 128), false},
        {"MLD query", icmp6("fd00::1", 130), false},
        {"router advertisement", icmp6("fd00::1", 134), false},
        {"neighbour solicitation", icmp6("fd00::1", 135), false},
        {"neighbour advertisement", icmp6("fd00::1", 136), false},
        {"ICMPv6 echo reply to another address", icmp6("fd00::9", 129), false},
        {"TCP to us", tcp.serialize(), false},
    };
}

TEST(TechniqueBpf, TcpModulesCompileAndSelectTheirReplies) {
    for (Technique t : {Technique::syn, Technique::ack, Technique::window, Technique::fin, Technique::null,
                        Technique::xmas, Technique::maimon}) {
        SCOPED_TRACE(std::string(to_string(t)));
        check_module(module_for(t), true);
    }
}

TEST(TechniqueBpf, UdpModuleCompilesAndSelectsItsReplies) {
    check_module(module_for(Technique::udp), false);
}

TEST(TechniqueBpf, PingModulesCompileAndSelectTheirReplies) {
    check_cases(module_for(Technique::icmp_echo).bpf_filter(context()), ping_cases(true));
    check_cases(module_for(Technique::icmp_timestamp).bpf_filter(context()), ping_cases(false));
    ScanContext v6_only = context();
    v6_only.source_v4.reset();
    EXPECT_TRUE(module_for(Technique::icmp_timestamp).bpf_filter(v6_only).empty());
}

TEST(TechniqueBpf, IPv4OnlyContextFiltersOutIPv6) {
    ScanContext c = context();
    c.source_v6.reset();
    const std::string filter = module_for(Technique::syn).bpf_filter(c);
    Tins::IPv6 ip = Tins::IPv6("fd00::1", "fd00::2") / Tins::TCP(32800, 22);
    EXPECT_EQ(matches(filter, DLT_RAW, ip.serialize()), 0);
}

}  // namespace
}  // namespace portwarden::techniques

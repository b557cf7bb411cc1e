#include "watch/fingerprint.hpp"

#include "net/packet_view.hpp"

namespace portwarden::watch {

std::string_view technique_name(Technique technique) {
    switch (technique) {
        case Technique::syn: return "syn";
        case Technique::connect: return "connect";
        case Technique::fin: return "fin";
        case Technique::null: return "null";
        case Technique::xmas: return "xmas";
        case Technique::maimon: return "maimon";
        case Technique::ack: return "ack";
        case Technique::udp: return "udp";
        case Technique::ping_sweep: return "ping-sweep";
        case Technique::unknown: break;
    }
    return "unknown";
}

std::string_view tool_name(Tool tool) {
    switch (tool) {
        case Tool::nmap: return "nmap";
        case Tool::masscan: return "masscan";
        case Tool::zmap: return "zmap";
        case Tool::unknown: break;
    }
    return "unknown";
}

bool os_stack_syn(const Probe& probe) {
    return probe.options_known &&
           (probe.options.sack_permitted || probe.options.timestamps || probe.options.window_scale);
}

namespace {

constexpr std::uint8_t kFlagMask = net::kTcpFin | net::kTcpSyn | net::kTcpRst | net::kTcpPsh |
                                   net::kTcpAck | net::kTcpUrg;

Technique tcp_technique(const Probe& probe) {
    const auto flags = static_cast<std::uint8_t>(probe.tcp_flags & kFlagMask);
    switch (flags) {
        case net::kTcpSyn: return os_stack_syn(probe) ? Technique::connect : Technique::syn;
        case 0: return Technique::null;
        case net::kTcpFin: return Technique::fin;
        case net::kTcpFin | net::kTcpPsh | net::kTcpUrg: return Technique::xmas;
        default: break;
    }
    // Maimon (FIN|ACK) and ACK probes look like a connection's own segments; only a bare one
    // (no payload, no OS options) votes, and only its outcome (an RST) makes it a trial.
    if (flags == (net::kTcpFin | net::kTcpAck)) {
        return Technique::maimon;
    }
    if (flags == net::kTcpAck) {
        return Technique::ack;
    }
    return Technique::unknown;
}

}  // namespace

Technique probe_technique(const Probe& probe) {
    switch (probe.protocol) {
        case net::kProtoTcp: return tcp_technique(probe);
        case net::kProtoUdp: return Technique::udp;
        case net::kProtoIcmp:
            return probe.icmp_type == net::kIcmpEchoRequest || probe.icmp_type == net::kIcmpTimestampRequest
                       ? Technique::ping_sweep
                       : Technique::unknown;
        case net::kProtoIcmpv6:
            return probe.icmp_type == net::kIcmpv6EchoRequest ? Technique::ping_sweep : Technique::unknown;
        default: break;
    }
    return Technique::unknown;
}

// Fingerprints (docs/watch-2026-12-03.md lists the sources and the packets they were checked against):
//  * zmap before 4.1: IP ID 54321 on every probe (randomised since 4.1, scanners.md section 4);
//    SYN window 65535.
//  * masscan: SYN window 1024, and IP ID = (dst ip ^ dst port ^ seq) low 16 bits (its packet
//    template, templ-pkt.c), which no other stack computes.
//  * nmap raw probes (-sS/-sF/-sN/-sX/-sA/-sM): window 1024, 2048, 3072 or 4096 and, on a SYN,
//    exactly one option, MSS 1460; FIN/NULL/Xmas/ACK probes carry no options.
Tool probe_tool(const Probe& probe) {
    if (probe.protocol != net::kProtoTcp) {
        return Tool::unknown;
    }
    if (probe.src.is_v4() && probe.ip_id == 54321 && probe.window == 65535) {
        return Tool::zmap;
    }
    const bool syn = (probe.tcp_flags & (net::kTcpSyn | net::kTcpAck)) == net::kTcpSyn;
    if (syn && probe.window == 1024 && probe.dst.is_v4()) {
        const std::uint32_t mixed = probe.dst.v4() ^ probe.dst_port ^ probe.seq;
        if ((mixed & 0xffffU) == probe.ip_id) {
            return Tool::masscan;
        }
    }
    const bool nmap_window = probe.window == 1024 || probe.window == 2048 || probe.window == 3072 ||
                             probe.window == 4096;
    if (!nmap_window || !probe.options_known) {
        return Tool::unknown;
    }
    if (syn) {
        return probe.options.count == 1 && probe.options.mss == 1460 ? Tool::nmap : Tool::unknown;
    }
    return probe.options.count == 0 ? Tool::nmap : Tool::unknown;
}

bool definite_tool(const Probe& probe) {
    const Tool tool = probe_tool(probe);
    return (tool == Tool::masscan || tool == Tool::zmap) && probe.options_known && probe.options.count == 0;
}

}  // namespace portwarden::watch

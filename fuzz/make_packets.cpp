// Writes the seed corpora of the packet and reply fuzz targets: every raw module's probes (as
// built by the project's templates) and replies to them as a Linux stack or a router sends them
// (built with libtins): SYN-ACK, RST, UDP, ICMP and ICMPv6 errors quoting the probe, echo and
// timestamp replies; IPv6 ones also behind extension headers, and some in Ethernet and VLAN
// frames. Usage: fuzz_make_packets PACKET_DIR REPLY_DIR (fuzz/make_corpus.sh).
#include <tins/tins.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "techniques/technique.hpp"

namespace {

using namespace portwarden;
using Bytes = std::vector<std::uint8_t>;

struct Out {
    std::string packet_dir;
    std::string reply_dir;
    int count = 0;
    int replies = 0;
    int accepted = 0;  // replies the module's validate() takes as answering its probe

    void write(const std::string& dir, const std::string& name, const Bytes& bytes) {
        std::ofstream(dir + "/" + name, std::ios::binary)
            .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
        ++count;
    }
    // A reply goes to both corpora; framed copies to the packet corpus.
    void reply(const std::string& name, const Bytes& bytes) {
        write(reply_dir, name, bytes);
        write(packet_dir, name, bytes);
    }
};

Bytes serialize(Tins::PDU& pdu) { return pdu.serialize(); }

// The packet behind an IPv6 extension header of type `type` (0 hop-by-hop, 60 destination
// options: 8 bytes of PadN; 44 fragment: a whole datagram, offset 0).
Bytes with_ext_header(const Bytes& ip6, std::uint8_t type) {
    Bytes out(ip6.begin(), ip6.begin() + 40);
    Bytes ext = {ip6[6], 0, 1, 4, 0, 0, 0, 0};
    if (type == 44) {
        ext = {ip6[6], 0, 0, 0, 0x12, 0x34, 0x56, 0x78};
    }
    out[6] = type;
    const unsigned length = (unsigned{ip6[4]} << 8U | ip6[5]) + 8U;
    out[4] = static_cast<std::uint8_t>(length >> 8U);
    out[5] = static_cast<std::uint8_t>(length & 0xffU);
    out.insert(out.end(), ext.begin(), ext.end());
    out.insert(out.end(), ip6.begin() + 40, ip6.end());
    return out;
}

Bytes in_ethernet(const Bytes& ip, bool v6, bool vlan) {
    Bytes out = {0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2};
    if (vlan) {
        out.insert(out.end(), {0x81, 0x00, 0x00, 0x2a});
    }
    out.push_back(v6 ? 0x86 : 0x08);
    out.push_back(v6 ? 0xdd : 0x00);
    out.insert(out.end(), ip.begin(), ip.end());
    return out;
}

// The IP packet `l4` from `from` to `to`.
Bytes ip_packet(const Address& from, const Address& to, Tins::PDU&& l4) {
    if (from.is_v4()) {
        Tins::IP ip(to.to_string(), from.to_string());
        ip.ttl(57);
        ip.inner_pdu(l4.clone());
        return serialize(ip);
    }
    Tins::IPv6 ip(to.to_string(), from.to_string());
    ip.hop_limit(57);
    ip.inner_pdu(l4.clone());
    return serialize(ip);
}

Bytes icmp_error(const Address& router, const Address& to, const Bytes& probe) {
    if (to.is_v4()) {
        Tins::ICMP icmp(Tins::ICMP::DEST_UNREACHABLE);
        icmp.code(3);
        icmp.inner_pdu(Tins::RawPDU(probe));
        return ip_packet(router, to, std::move(icmp));
    }
    Tins::ICMPv6 icmp(Tins::ICMPv6::DEST_UNREACHABLE);
    icmp.code(4);
    icmp.inner_pdu(Tins::RawPDU(probe));
    return ip_packet(router, to, std::move(icmp));
}

// TCP replies to a TCP probe, as a Linux stack answers: RST for a segment with ACK (seq = its
// ack), else SYN-ACK or RST-ACK acknowledging it.
std::vector<std::pair<std::string, Bytes>> tcp_replies(const Bytes& probe, const Address& us, const Address& target) {
    const Tins::TCP* sent = nullptr;
    Tins::IP ip4;
    Tins::IPv6 ip6;
    if (us.is_v4()) {
        ip4 = Tins::IP(probe.data(), static_cast<std::uint32_t>(probe.size()));
        sent = ip4.find_pdu<Tins::TCP>();
    } else {
        ip6 = Tins::IPv6(probe.data(), static_cast<std::uint32_t>(probe.size()));
        sent = ip6.find_pdu<Tins::TCP>();
    }
    std::vector<std::pair<std::string, Bytes>> out;
    const auto reply = [&](const std::string& name, std::uint16_t flags, std::uint32_t seq, std::uint32_t ack,
                           std::uint16_t window) {
        Tins::TCP tcp(sent->sport(), sent->dport());
        tcp.flags(flags);
        tcp.seq(seq);
        tcp.ack_seq(ack);
        tcp.window(window);
        out.emplace_back(name, ip_packet(target, us, std::move(tcp)));
    };
    if ((sent->flags() & Tins::TCP::ACK) != 0) {
        reply("rst", Tins::TCP::RST, sent->ack_seq(), 0, 0);
        reply("rst-window", Tins::TCP::RST, sent->ack_seq(), 0, 512);
    } else {
        const std::uint32_t length = (sent->flags() & (Tins::TCP::SYN | Tins::TCP::FIN)) != 0 ? 1 : 0;
        reply("synack", Tins::TCP::SYN | Tins::TCP::ACK, 0x11223344, sent->seq() + 1, 64240);
        reply("rstack", Tins::TCP::RST | Tins::TCP::ACK, 0, sent->seq() + length, 0);
        reply("syn", Tins::TCP::SYN, 0x11223344, 0, 64240);
    }
    return out;
}

// The probe with its addresses swapped and the ICMP type changed to `type` (an echo or
// timestamp reply, checksums recomputed).
Bytes icmp_query_reply(const Bytes& probe, const Address& us) {
    if (us.is_v4()) {
        Tins::IP ip(probe.data(), static_cast<std::uint32_t>(probe.size()));
        auto* icmp = ip.find_pdu<Tins::ICMP>();
        icmp->type(icmp->type() == Tins::ICMP::ECHO_REQUEST ? Tins::ICMP::ECHO_REPLY : Tins::ICMP::TIMESTAMP_REPLY);
        const auto src = ip.src_addr();
        ip.src_addr(ip.dst_addr());
        ip.dst_addr(src);
        return serialize(ip);
    }
    Tins::IPv6 ip(probe.data(), static_cast<std::uint32_t>(probe.size()));
    ip.find_pdu<Tins::ICMPv6>()->type(Tins::ICMPv6::ECHO_REPLY);
    const auto src = ip.src_addr();
    ip.src_addr(ip.dst_addr());
    ip.dst_addr(src);
    return serialize(ip);
}

std::uint16_t udp_source_port(const Bytes& probe, bool v4) {
    const auto size = static_cast<std::uint32_t>(probe.size());
    if (v4) {
        return Tins::IP(probe.data(), size).rfind_pdu<Tins::UDP>().sport();
    }
    return Tins::IPv6(probe.data(), size).rfind_pdu<Tins::UDP>().sport();
}

Bytes make_probe(const techniques::Module& module, const techniques::ScanContext& context, const Address& dst,
                 std::uint16_t port) {
    const auto tmpl = module.make_template(context, dst.family(), port);
    if (!tmpl) {
        return {};
    }
    Bytes bytes(tmpl->size());
    if (!tmpl->write(bytes) || !module.make_probe(bytes, *tmpl, context, dst, port, 1)) {
        return {};
    }
    return bytes;
}

void write_module(Out& out, const techniques::Module& module, const techniques::ScanContext& context) {
    for (const char* target : {"198.18.1.2", "fd00::2"}) {
        const Address dst = *Address::parse(target);
        const Address us = *context.source(dst.family());
        const Address router = *Address::parse(dst.is_v4() ? "198.18.0.254" : "fd00::fe");
        const bool udp = module.technique() == Technique::udp;
        const Bytes probe = make_probe(module, context, dst, udp ? 53 : 80);
        if (probe.empty()) {
            continue;
        }
        const std::string stem = std::string(module.name()) + (dst.is_v4() ? "-v4-" : "-v6-");
        out.write(out.packet_dir, stem + "probe", probe);
        std::vector<std::pair<std::string, Bytes>> replies;
        if (is_ping_technique(module.technique())) {
            replies.emplace_back("reply", icmp_query_reply(probe, us));
        } else if (udp) {
            Tins::UDP reply(udp_source_port(probe, dst.is_v4()), 53);
            reply.inner_pdu(Tins::RawPDU(Bytes{1, 2, 3, 4}));
            replies.emplace_back("udp", ip_packet(dst, us, std::move(reply)));
        } else {
            replies = tcp_replies(probe, us, dst);
        }
        replies.emplace_back("icmp-target", icmp_error(dst, us, probe));
        replies.emplace_back("icmp-router", icmp_error(router, us, probe));
        for (const auto& [kind, bytes] : replies) {
            const auto parsed = net::parse_frame(bytes, net::LinkType::raw_ip);
            ++out.replies;
            if (parsed && module.validate(*parsed, context)) {
                ++out.accepted;
            } else {
                std::printf("not an answer to its probe: %s\n", (stem + kind).c_str());
            }
            out.reply(stem + kind, bytes);
            if (!dst.is_v4()) {
                out.reply(stem + kind + "-hopopt", with_ext_header(bytes, 0));
                out.reply(stem + kind + "-frag", with_ext_header(bytes, 44));
                out.write(out.packet_dir, stem + kind + "-dstopt", with_ext_header(bytes, 60));
            }
            out.write(out.packet_dir, stem + kind + "-eth", in_ethernet(bytes, !dst.is_v4(), false));
            out.write(out.packet_dir, stem + kind + "-vlan", in_ethernet(bytes, !dst.is_v4(), true));
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        return 2;
    }
    Out out{argv[1], argv[2]};
    const auto context = fuzz::scan_context();
    for (int t = 0; t < technique_count; ++t) {
        const auto technique = static_cast<Technique>(t);
        if (technique != Technique::connect) {
            write_module(out, techniques::module_for(technique), context);
        }
    }
    std::printf("%d files; %d of %d replies validate as answers to their probe\n", out.count, out.accepted,
                out.replies);
    return out.count > 0 ? 0 : 1;
}

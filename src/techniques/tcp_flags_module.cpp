// One module for every TCP scan: SYN, ACK, Window, FIN, NULL, Xmas, Maimon and --scanflags
// differ only in the flags they send and the classifier row that reads the replies.
//
// Probe: seq = cookie (see technique.hpp); probes with ACK set also carry ack = cookie.
//
// Which replies are ours (RFC 793 p.36/p.65 "reset generation", as Linux tcp_v4_send_reset /
// tcp_v6_send_reset implement it; no state is needed):
//   - RST to a probe WITH the ACK flag (ACK, Window, Maimon): <SEQ=SEG.ACK><CTL=RST>, so the
//     RST's seq == cookie (its ACK flag is clear and its ack field 0).
//   - RST to a probe WITHOUT the ACK flag (SYN, FIN, NULL, Xmas): <SEQ=0><ACK=SEG.SEQ+SEG.LEN>
//     <CTL=RST,ACK>, where SEG.LEN counts SYN and FIN as one each and our probes carry no
//     data: ack == cookie + SYN + FIN. SYN -> cookie+1, FIN and Xmas -> cookie+1,
//     NULL -> cookie, a --scanflags SYN|FIN -> cookie+2.
//   A RST with the ACK flag and ack == cookie + SYN + FIN is accepted for any probe (middleboxes
//   answering an ACK probe that way still prove knowledge of the cookie).
//   - SYN-ACK: ack == cookie + SYN + FIN (cookie+1 for a SYN probe).
//   - Bare SYN (split handshake) to a probe carrying SYN: it acknowledges nothing, so only the
//     source-port relation validates it (the port must be the one derived for this flow and try).
//   - ICMP/ICMPv6 errors: the quoted header must be our probe: quoted src is our address, the
//     quoted source port is the one derived for (quoted dst, dport), and the quoted seq == cookie.
#include <memory>
#include <string>
#include <utility>

#include "techniques/modules.hpp"

namespace portwarden::techniques {

namespace {

constexpr std::size_t kTcpAckOffset = 8;
constexpr std::size_t kTcpChecksumOffset = 16;

constexpr bool has(std::uint8_t flags, std::uint8_t bit) { return (flags & bit) != 0; }

class TcpFlagsModule final : public Module {
public:
    TcpFlagsModule(Technique technique, std::uint8_t flags, std::string_view name)
        : technique_(technique), flags_(flags), name_(name) {}

    Technique technique() const override { return technique_; }
    std::string_view name() const override { return name_; }

    Result<net::ProbeTemplate> make_template(const ScanContext& context, Family family,
                                             std::uint16_t /*dport*/) const override {
        auto config = detail::base_config(context, family, net::kProtoTcp);
        if (!config) {
            return tl::unexpected(std::move(config.error()));
        }
        config->tcp_flags = flags_;
        if (has(flags_, net::kTcpSyn) && context.tcp_mss) {
            config->tcp_options = net::tcp_option_mss(*context.tcp_mss);
        }
        return net::ProbeTemplate::make(*config);
    }

    bool make_probe(std::span<std::uint8_t> buf, const net::ProbeTemplate& tmpl,
                    const ScanContext& context, const Address& dst, std::uint16_t dport,
                    std::uint8_t tryno) const override {
        const auto& src = context.source(dst.family());
        if (!src || tmpl.family() != dst.family() || tmpl.protocol() != net::kProtoTcp) {
            return false;
        }
        const auto sport = probe_source_port(context, *src, dst, dport, tryno);
        if (!sport) {
            return false;
        }
        const std::uint32_t cookie = net::syn_cookie(context.key, *src, dst, *sport, dport);
        const auto ip_id = static_cast<std::uint16_t>(cookie >> 16);
        if (!tmpl.patch(buf, dst, *sport, dport, cookie, ip_id)) {
            return false;
        }
        return !has(flags_, net::kTcpAck) || write_ack(buf, tmpl.l4_offset(), cookie);
    }

    std::optional<Reply> validate(const net::ParsedPacket& packet,
                                  const ScanContext& context) const override {
        if (packet.tcp) {
            return validate_tcp(packet, *packet.tcp, context);
        }
        if (packet.icmp && packet.icmp->quoted) {
            return validate_icmp(packet, *packet.icmp, *packet.icmp->quoted, context);
        }
        return std::nullopt;
    }

    std::string bpf_filter(const ScanContext& context) const override {
        return detail::reply_filter(context, "tcp");
    }

private:
    // The template's ack field is 0: write the cookie there and update the checksum
    // incrementally (RFC 1624 eqn. 3: HC' = ~(~HC + m'), as m = 0).
    static bool write_ack(std::span<std::uint8_t> buf, std::size_t l4_offset,
                          std::uint32_t ack) {
        const auto checksum = net::load_be16(buf, l4_offset + kTcpChecksumOffset);
        if (!checksum) {
            return false;
        }
        net::ChecksumSum sum;
        sum.add16(static_cast<std::uint16_t>(~*checksum)).add32(ack);
        return net::store_be32(buf, l4_offset + kTcpAckOffset, ack) &&
               net::store_be16(buf, l4_offset + kTcpChecksumOffset, sum.finish());
    }

    // SEG.SEQ + SEG.LEN of our probe: SYN and FIN each occupy one sequence number.
    std::uint32_t expected_ack(std::uint32_t cookie) const {
        return cookie + (has(flags_, net::kTcpSyn) ? 1U : 0U) +
               (has(flags_, net::kTcpFin) ? 1U : 0U);
    }

    std::optional<Response> tcp_response(const net::TcpInfo& tcp, std::uint32_t cookie) const {
        const bool reply_ack = has(tcp.flags, net::kTcpAck);
        const bool acks_probe = reply_ack && tcp.ack == expected_ack(cookie);
        Response response;
        if (has(tcp.flags, net::kTcpRst)) {
            const bool seq_from_our_ack = has(flags_, net::kTcpAck) && tcp.seq == cookie;
            if (!seq_from_our_ack && !acks_probe) {
                return std::nullopt;
            }
            response.kind = ResponseKind::rst;
            response.tcp_window = tcp.window;
            return response;
        }
        if (has(tcp.flags, net::kTcpSyn) && reply_ack) {
            if (!acks_probe) {
                return std::nullopt;
            }
            response.kind = ResponseKind::syn_ack;
            return response;
        }
        if (has(tcp.flags, net::kTcpSyn) && has(flags_, net::kTcpSyn)) {
            response.kind = ResponseKind::syn;
            return response;
        }
        return std::nullopt;
    }

    std::optional<Reply> validate_tcp(const net::ParsedPacket& packet, const net::TcpInfo& tcp,
                                      const ScanContext& context) const {
        if (!detail::is_our_source(context, packet.dst)) {
            return std::nullopt;
        }
        if (tcp.dst_port < context.source_port_base ||
            tcp.dst_port - context.source_port_base >= context.source_port_count) {
            return std::nullopt;  // not one of our source ports: no hash needed to say so
        }
        // The cookie check next: it rejects the replies to another module's probes (every TCP
        // reply meets each TCP module of the scan) with one hash instead of two.
        const std::uint32_t cookie =
            net::syn_cookie(context.key, packet.dst, packet.src, tcp.dst_port, tcp.src_port);
        const auto response = tcp_response(tcp, cookie);
        if (!response) {
            return std::nullopt;
        }
        const auto tryno = tryno_from_source_port(context, packet.dst, packet.src, tcp.dst_port,
                                                  tcp.src_port);
        if (!tryno) {
            return std::nullopt;
        }
        Reply reply{packet.src, tcp.src_port, *tryno, *response, packet.ttl, packet.src, {}, 0, 0};
        if (packet.family == Family::v4) {
            reply.ip_id = packet.ip_id;
        }
        reply.tcp_window = tcp.window;
        reply.tcp_options = tcp.options_digest;
        return reply;
    }

    static std::optional<Reply> validate_icmp(const net::ParsedPacket& packet,
                                              const net::IcmpInfo& icmp,
                                              const net::QuotedPacket& quoted,
                                              const ScanContext& context) {
        if (quoted.protocol != net::kProtoTcp || !detail::is_our_source(context, packet.dst) ||
            quoted.src != packet.dst) {
            return std::nullopt;
        }
        const auto tryno = tryno_from_source_port(context, quoted.src, quoted.dst,
                                                  quoted.src_port, quoted.dst_port);
        if (!tryno || !net::icmp_quote_is_ours(context.key, quoted)) {
            return std::nullopt;
        }
        return detail::icmp_reply(packet, icmp, quoted, *tryno);
    }

    Technique technique_;
    std::uint8_t flags_;
    std::string name_;
};

}  // namespace

namespace detail {

std::unique_ptr<Module> make_tcp_flags_module(Technique technique, std::uint8_t tcp_flags,
                                              std::string_view name) {
    return std::make_unique<TcpFlagsModule>(technique, tcp_flags, name);
}

}  // namespace detail

}  // namespace portwarden::techniques

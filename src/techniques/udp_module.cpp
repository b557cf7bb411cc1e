// UDP scan (-sU). Probes carry a protocol payload for well-known ports (udp_payloads.cpp) so
// open services answer.
//
// UDP has no sequence number: the source port alone is the cookie (technique.hpp), which
// leaves log2(source_port_count / max_tries) bits (about 10 with the defaults) on top of the
// exact address and port match. Ours are:
//   - a UDP datagram from target:dport to the source port derived for (target, dport). TFTP
//     servers answer from a fresh port (RFC 1350 4, "TID"): a reply whose source port does not
//     validate is tried as an answer to port 69.
//   - an ICMP/ICMPv6 error quoting a UDP datagram from our address whose quoted source port is
//     the one derived for the quoted (dst, dport).
#include <array>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "techniques/modules.hpp"
#include "techniques/udp_payloads.hpp"

namespace portwarden::techniques {

namespace {

// Services that reply from another port than the one probed: TFTP answers from a new port of
// its own (RFC 1350's transfer ID, an ephemeral port). Only datagrams from an unprivileged port
// (1024 and up) are tried for them: with the try in the source port, any datagram to one of our
// source ports matches one of the 60 tries of port 69 by chance (60 in 16 384), and pw_hostile's
// junk from its ports 1-480 did (counted as not sent, once reporting a closed port 69 open).
constexpr std::array<std::uint16_t, 1> kRedirectingPorts{69};
constexpr std::uint16_t kFirstRedirectSourcePort = 1024;

class UdpModule final : public Module {
public:
    Technique technique() const override { return Technique::udp; }
    std::string_view name() const override { return "udp"; }

    std::uint32_t template_variant(std::uint16_t dport) const override {
        return udp_payload(dport).empty() ? 0U : dport;
    }

    Result<net::ProbeTemplate> make_template(const ScanContext& context, Family family,
                                             std::uint16_t dport) const override {
        auto config = detail::base_config(context, family, net::kProtoUdp);
        if (!config) {
            return tl::unexpected(std::move(config.error()));
        }
        const auto payload = udp_payload(dport);
        config->udp_payload.assign(payload.begin(), payload.end());
        return net::ProbeTemplate::make(*config);
    }

    bool make_probe(std::span<std::uint8_t> buf, const net::ProbeTemplate& tmpl,
                    const ScanContext& context, const Address& dst, std::uint16_t dport,
                    std::uint8_t tryno) const override {
        const auto& src = context.source(dst.family());
        if (!src || tmpl.family() != dst.family() || tmpl.protocol() != net::kProtoUdp) {
            return false;
        }
        const auto sport = probe_source_port(context, *src, dst, dport, tryno);
        if (!sport) {
            return false;
        }
        const std::uint32_t hash = net::syn_cookie(context.key, *src, dst, *sport, dport);
        return tmpl.patch(buf, dst, *sport, dport, 0, static_cast<std::uint16_t>(hash >> 16));
    }

    std::optional<Reply> validate(const net::ParsedPacket& packet,
                                  const ScanContext& context) const override {
        if (!detail::is_our_source(context, packet.dst)) {
            return std::nullopt;
        }
        if (packet.udp) {
            return validate_udp(packet, *packet.udp, context);
        }
        if (packet.icmp && packet.icmp->quoted) {
            return validate_icmp(packet, *packet.icmp, *packet.icmp->quoted, context);
        }
        return std::nullopt;
    }

    std::string bpf_filter(const ScanContext& context) const override {
        return detail::reply_filter(context, "udp");
    }

private:
    static std::optional<Reply> validate_udp(const net::ParsedPacket& packet,
                                             const net::UdpInfo& udp,
                                             const ScanContext& context) {
        std::uint16_t port = udp.src_port;
        auto tryno =
            tryno_from_source_port(context, packet.dst, packet.src, udp.dst_port, port);
        for (std::uint16_t candidate : kRedirectingPorts) {
            if (tryno || udp.src_port < kFirstRedirectSourcePort) {
                break;
            }
            port = candidate;
            tryno = tryno_from_source_port(context, packet.dst, packet.src, udp.dst_port, port);
        }
        if (!tryno) {
            return std::nullopt;
        }
        Response response;
        response.kind = ResponseKind::udp_reply;
        return Reply{packet.src, port, *tryno, response, packet.ttl, packet.src, {}, 0, 0};
    }

    static std::optional<Reply> validate_icmp(const net::ParsedPacket& packet,
                                              const net::IcmpInfo& icmp,
                                              const net::QuotedPacket& quoted,
                                              const ScanContext& context) {
        if (quoted.protocol != net::kProtoUdp || quoted.src != packet.dst) {
            return std::nullopt;
        }
        const auto tryno = tryno_from_source_port(context, quoted.src, quoted.dst,
                                                  quoted.src_port, quoted.dst_port);
        if (!tryno) {
            return std::nullopt;
        }
        return detail::icmp_reply(packet, icmp, quoted, *tryno);
    }
};

}  // namespace

namespace detail {

std::unique_ptr<Module> make_udp_module() { return std::make_unique<UdpModule>(); }

}  // namespace detail

}  // namespace portwarden::techniques

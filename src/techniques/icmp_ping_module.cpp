// ICMP pings for host discovery (nmap -PE, -PP): echo requests (ICMPv4 type 8, ICMPv6 128) and
// ICMPv4 timestamp requests (13; ICMPv6 has none). A ping probes a host, not a port: make_probe
// ignores dport and every Reply has port 0.
//
// Stateless validation. For a ping from `src` to `dst`, try `tryno` (< max_tries <= 64):
//   h        = syn_cookie(key, src, dst, 0, 0)                   (independent of the try)
//   id       = h >> 16
//   sequence = (h & 0xffc0) | tryno                              (low 6 bits: the try)
//   cookie   = syn_cookie(key, src, dst, id, sequence)
// The echo request's 8 data bytes are the cookie (big-endian) and 4 zeros; the timestamp
// request carries the cookie as its originate timestamp (receive and transmit 0). Repliers copy
// id, sequence and the echo data / originate field back (RFC 792, RFC 4443 4.2), so a reply is
// ours when it comes to our source from the probed address and its id, the high 10 bits of the
// sequence and the cookie all match (58 bits; an echo reply must return exactly our 8 bytes).
// ICMP errors quoting one of our requests: the quote must be our request type, from our address,
// with the id and sequence derived for its (src, dst). Routers may quote only 8 bytes of it
// (RFC 792), so the data cookie is not checked there: 26 bits.
#include <memory>
#include <string>
#include <utility>

#include "techniques/modules.hpp"

namespace portwarden::techniques {

namespace {

constexpr std::uint16_t kTryMask = 0x3f;
constexpr std::uint8_t kMaxPingTries = kTryMask + 1;
constexpr std::size_t kEchoData = 8;        // the cookie and 4 zero bytes
constexpr std::size_t kTimestampData = 12;  // originate (the cookie), receive, transmit
constexpr std::size_t kQuotedType = 0;      // offsets in the quoted ICMP header
constexpr std::size_t kQuotedId = 4;
constexpr std::size_t kQuotedSequence = 6;

struct PingIds {
    std::uint16_t id = 0;
    std::uint16_t sequence = 0;
};

// The identifier and sequence of a ping; nullopt when the try cannot be sent.
std::optional<PingIds> ping_ids(const ScanContext& context, const Address& src,
                                const Address& dst, std::uint8_t tryno) {
    if (tryno >= context.max_tries || tryno >= kMaxPingTries) {
        return std::nullopt;
    }
    const std::uint32_t h = net::syn_cookie(context.key, src, dst, 0, 0);
    const auto high = static_cast<std::uint16_t>(h & 0xffffU & ~std::uint32_t{kTryMask});
    return PingIds{static_cast<std::uint16_t>(h >> 16),
                   static_cast<std::uint16_t>(high | tryno)};
}

// The try an (id, sequence) pair of the flow src -> dst belongs to, or nullopt.
std::optional<std::uint8_t> tryno_of(const ScanContext& context, const Address& src,
                                     const Address& dst, std::uint16_t id,
                                     std::uint16_t sequence) {
    const auto tryno = static_cast<std::uint8_t>(sequence & kTryMask);
    const auto expected = ping_ids(context, src, dst, tryno);
    if (!expected || expected->id != id || expected->sequence != sequence) {
        return std::nullopt;
    }
    return tryno;
}

std::uint32_t data_cookie(const ScanContext& context, const Address& src, const Address& dst,
                          const PingIds& ids) {
    return net::syn_cookie(context.key, src, dst, ids.id, ids.sequence);
}

std::uint8_t icmp_protocol(Family family) {
    return family == Family::v4 ? net::kProtoIcmp : net::kProtoIcmpv6;
}

struct MessageTypes {
    std::uint8_t request = 0;
    std::uint8_t reply = 0;
};

class IcmpPingModule final : public Module {
public:
    explicit IcmpPingModule(Technique technique) : technique_(technique) {}

    Technique technique() const override { return technique_; }
    std::string_view name() const override { return to_string(technique_); }
    bool supports(Family family) const override { return message_types(family).has_value(); }

    Result<net::ProbeTemplate> make_template(const ScanContext& context, Family family,
                                             std::uint16_t /*dport*/) const override {
        const auto types = message_types(family);
        if (!types) {
            return fail(std::string(name()) +
                        ": ICMPv6 has no timestamp message; ping IPv6 hosts with icmp-echo");
        }
        if (context.max_tries > kMaxPingTries) {
            return fail(std::string(name()) + ": at most " + std::to_string(kMaxPingTries) +
                        " tries (the sequence number holds 6 bits of try), not " +
                        std::to_string(context.max_tries));
        }
        auto config = detail::base_config(context, family, icmp_protocol(family));
        if (!config) {
            return tl::unexpected(std::move(config.error()));
        }
        config->icmp_type = types->request;
        config->icmp_data.assign(echo() ? kEchoData : kTimestampData, 0);
        return net::ProbeTemplate::make(*config);
    }

    bool make_probe(std::span<std::uint8_t> buf, const net::ProbeTemplate& tmpl,
                    const ScanContext& context, const Address& dst, std::uint16_t /*dport*/,
                    std::uint8_t tryno) const override {
        const auto& src = context.source(dst.family());
        const auto types = message_types(dst.family());
        if (!src || !types || tmpl.family() != dst.family() ||
            tmpl.protocol() != icmp_protocol(dst.family()) ||
            net::load_u8(tmpl.bytes(), tmpl.l4_offset()) != types->request) {
            return false;
        }
        const auto ids = ping_ids(context, *src, dst, tryno);
        if (!ids) {
            return false;
        }
        const std::uint32_t cookie = data_cookie(context, *src, dst, *ids);
        return tmpl.patch_icmp(buf, dst, ids->id, ids->sequence, cookie,
                               static_cast<std::uint16_t>(cookie >> 16));
    }

    std::optional<Reply> validate(const net::ParsedPacket& packet,
                                  const ScanContext& context) const override {
        if (!packet.icmp || !detail::is_our_source(context, packet.dst)) {
            return std::nullopt;
        }
        const auto types = message_types(packet.family);
        if (!types) {
            return std::nullopt;
        }
        if (packet.icmp->query && packet.icmp->type == types->reply) {
            return validate_reply(packet, *packet.icmp->query, context);
        }
        if (packet.icmp->quoted) {
            return validate_error(packet, *packet.icmp, *packet.icmp->quoted, *types, context);
        }
        return std::nullopt;
    }

    // Replies and the ICMP errors (the types that quote a datagram) to our address; no
    // neighbour discovery, MLD or router advertisements.
    std::string bpf_filter(const ScanContext& context) const override {
        const std::string v4_errors =
            "icmp[icmptype] == icmp-unreach or icmp[icmptype] == icmp-sourcequench or "
            "icmp[icmptype] == icmp-redirect or icmp[icmptype] == icmp-timxceed or "
            "icmp[icmptype] == icmp-paramprob";
        if (!echo()) {
            ScanContext v4_only = context;
            v4_only.source_v6.reset();
            return detail::filter_per_family(
                v4_only, "icmp and (icmp[icmptype] == icmp-tstampreply or " + v4_errors + ")",
                "");
        }
        return detail::filter_per_family(
            context, "icmp and (icmp[icmptype] == icmp-echoreply or " + v4_errors + ")",
            "icmp6 and (ip6[40] == 129 or (ip6[40] >= 1 and ip6[40] <= 4))");
    }

private:
    bool echo() const { return technique_ == Technique::icmp_echo; }

    std::optional<MessageTypes> message_types(Family family) const {
        if (!echo()) {
            if (family == Family::v6) {
                return std::nullopt;
            }
            return MessageTypes{net::kIcmpTimestampRequest, net::kIcmpTimestampReply};
        }
        if (family == Family::v4) {
            return MessageTypes{net::kIcmpEchoRequest, net::kIcmpEchoReply};
        }
        return MessageTypes{net::kIcmpv6EchoRequest, net::kIcmpv6EchoReply};
    }

    std::optional<Reply> validate_reply(const net::ParsedPacket& packet,
                                        const net::IcmpQuery& query,
                                        const ScanContext& context) const {
        const auto tryno = tryno_of(context, packet.dst, packet.src, query.id, query.sequence);
        if (!tryno) {
            return std::nullopt;
        }
        const std::uint32_t cookie =
            data_cookie(context, packet.dst, packet.src, PingIds{query.id, query.sequence});
        if (!carries(query, cookie)) {
            return std::nullopt;
        }
        Response response;
        response.kind = echo() ? ResponseKind::echo_reply : ResponseKind::timestamp_reply;
        return Reply{packet.src, 0, *tryno, response, packet.ttl, packet.src, {}, 0, 0};
    }

    // Echo: our 8 data bytes come back, no more and no less (RFC 792: "The data received in
    // the echo message must be returned"; RFC 4443 4.2). Timestamp: the originate field is ours.
    bool carries(const net::IcmpQuery& query, std::uint32_t cookie) const {
        if (!echo()) {
            return query.timestamps && query.timestamps->originate == cookie;
        }
        return query.data_length == kEchoData && net::load_be32(query.data(), 0) == cookie &&
               net::load_be32(query.data(), 4) == 0U;
    }

    static std::optional<Reply> validate_error(const net::ParsedPacket& packet,
                                               const net::IcmpInfo& icmp,
                                               const net::QuotedPacket& quoted,
                                               const MessageTypes& types,
                                               const ScanContext& context) {
        if (quoted.protocol != icmp_protocol(packet.family) || quoted.src != packet.dst ||
            net::load_u8(quoted.l4_head, kQuotedType) != types.request) {
            return std::nullopt;
        }
        const auto id = net::load_be16(quoted.l4_head, kQuotedId);
        const auto sequence = net::load_be16(quoted.l4_head, kQuotedSequence);
        if (!id || !sequence) {
            return std::nullopt;
        }
        const auto tryno = tryno_of(context, quoted.src, quoted.dst, *id, *sequence);
        if (!tryno) {
            return std::nullopt;
        }
        return detail::icmp_reply(packet, icmp, quoted, *tryno);  // port: 0 for ICMP quotes
    }

    Technique technique_;
};

}  // namespace

namespace detail {

std::unique_ptr<Module> make_icmp_ping_module(Technique technique) {
    return std::make_unique<IcmpPingModule>(technique);
}

}  // namespace detail

}  // namespace portwarden::techniques

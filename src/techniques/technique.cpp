// Source-port derivation, the helpers shared by the modules, and the one technique table.
#include "techniques/technique.hpp"

#include <array>
#include <cstddef>
#include <string>
#include <utility>

#include "techniques/modules.hpp"

namespace portwarden::techniques {

namespace {

constexpr std::uint32_t kPortSpace = 65536;

// The per-flow offset into the source-port range, independent of the try.
std::uint32_t flow_offset(const ScanContext& context, const Address& src, const Address& dst,
                          std::uint16_t dport) {
    return net::syn_cookie(context.key, src, dst, 0, dport) % context.source_port_count;
}

// One source port (-g) is allowed with any try count: every probe then comes from it, and a
// reply always reads as try 0.
bool context_ok(const ScanContext& context) {
    return context.source_port_count != 0 && context.max_tries != 0 &&
           (context.source_port_count >= context.max_tries || context.source_port_count == 1) &&
           std::uint32_t{context.source_port_base} + context.source_port_count <= kPortSpace;
}

// Technique::connect: scanned with sockets by the connect engine; no raw probes.
class ConnectModule final : public Module {
public:
    Technique technique() const override { return Technique::connect; }
    std::string_view name() const override { return "connect"; }
    Result<net::ProbeTemplate> make_template(const ScanContext& /*context*/, Family /*family*/,
                                             std::uint16_t /*dport*/) const override {
        return fail("connect scan: uses the connect engine, not raw packets");
    }
    bool make_probe(std::span<std::uint8_t> /*buf*/, const net::ProbeTemplate& /*tmpl*/,
                    const ScanContext& /*context*/, const Address& /*dst*/,
                    std::uint16_t /*dport*/, std::uint8_t /*tryno*/) const override {
        return false;
    }
    std::optional<Reply> validate(const net::ParsedPacket& /*packet*/,
                                  const ScanContext& /*context*/) const override {
        return std::nullopt;
    }
    std::string bpf_filter(const ScanContext& /*context*/) const override { return {}; }
};

struct TcpRow {
    Technique technique;
    std::uint8_t flags;
};

// The TCP techniques and their probe flags (nmap: Window = ACK probe, Maimon = FIN|ACK,
// Xmas = FIN|PSH|URG). Connect, UDP and the ICMP pings have their own modules.
constexpr std::array<TcpRow, 7> kTcpRows{{
    {Technique::syn, net::kTcpSyn},
    {Technique::ack, net::kTcpAck},
    {Technique::window, net::kTcpAck},
    {Technique::fin, net::kTcpFin},
    {Technique::null, 0},
    {Technique::xmas, net::kTcpFin | net::kTcpPsh | net::kTcpUrg},
    {Technique::maimon, net::kTcpFin | net::kTcpAck},
}};

using Table = std::array<std::unique_ptr<Module>, technique_count>;

Table build_table() {
    Table table;
    table.at(static_cast<std::size_t>(Technique::connect)) = std::make_unique<ConnectModule>();
    table.at(static_cast<std::size_t>(Technique::udp)) = detail::make_udp_module();
    for (const Technique ping : {Technique::icmp_echo, Technique::icmp_timestamp}) {
        table.at(static_cast<std::size_t>(ping)) = detail::make_icmp_ping_module(ping);
    }
    for (const TcpRow& row : kTcpRows) {
        table.at(static_cast<std::size_t>(row.technique)) =
            detail::make_tcp_flags_module(row.technique, row.flags, to_string(row.technique));
    }
    return table;
}

}  // namespace

Result<bool> check_context(const ScanContext& context) {
    if (!context_ok(context)) {
        return fail("scan context: source ports " + std::to_string(context.source_port_base) +
                    "+" + std::to_string(context.source_port_count) +
                    " must fit below 65536 and hold at least " +
                    std::to_string(context.max_tries) + " tries (and tries >= 1)");
    }
    return true;
}

std::optional<std::uint16_t> probe_source_port(const ScanContext& context, const Address& src,
                                               const Address& dst, std::uint16_t dport,
                                               std::uint8_t tryno) {
    if (!context_ok(context) || tryno >= context.max_tries) {
        return std::nullopt;
    }
    // With one port every try shares it.
    const std::uint32_t offset =
        (flow_offset(context, src, dst, dport) + tryno) % context.source_port_count;
    return static_cast<std::uint16_t>(context.source_port_base + offset);
}

std::optional<std::uint8_t> tryno_from_source_port(const ScanContext& context,
                                                   const Address& src, const Address& dst,
                                                   std::uint16_t sport, std::uint16_t dport) {
    if (!context_ok(context) || sport < context.source_port_base ||
        sport - context.source_port_base >= context.source_port_count) {
        return std::nullopt;
    }
    const std::uint32_t count = context.source_port_count;
    const std::uint32_t offset = std::uint32_t{sport} - context.source_port_base;
    const std::uint32_t tryno = (offset + count - flow_offset(context, src, dst, dport)) % count;
    if (tryno >= context.max_tries) {
        return std::nullopt;
    }
    return static_cast<std::uint8_t>(tryno);
}

const Module& module_for(Technique technique) {
    static const Table table = build_table();
    return *table.at(static_cast<std::size_t>(technique));
}

Result<std::unique_ptr<Module>> make_custom_flags_module(std::uint8_t tcp_flags,
                                                         Technique interpret_as) {
    for (const TcpRow& row : kTcpRows) {
        if (row.technique == interpret_as) {
            return detail::make_tcp_flags_module(interpret_as, tcp_flags, "custom");
        }
    }
    return fail("--scanflags: replies cannot be read as a " +
                std::string(to_string(interpret_as)) + " scan");
}

namespace detail {

Result<net::TemplateConfig> base_config(const ScanContext& context, Family family,
                                        std::uint8_t protocol) {
    if (auto ok = check_context(context); !ok) {
        return tl::unexpected(std::move(ok.error()));
    }
    const auto& source = context.source(family);
    if (!source || source->family() != family) {
        return fail(std::string("scan context: no IPv") + (family == Family::v4 ? "4" : "6") +
                    " source address");
    }
    net::TemplateConfig config;
    config.src = *source;
    config.protocol = protocol;
    config.ttl = context.ttl;
    config.dont_fragment = context.dont_fragment;
    config.window = context.tcp_window;
    config.ethernet = context.ethernet(family);
    return config;
}

Reply icmp_reply(const net::ParsedPacket& packet, const net::IcmpInfo& icmp,
                 const net::QuotedPacket& quoted, std::uint8_t tryno) {
    Response response;
    response.kind = ResponseKind::icmp;
    response.icmp_version = packet.family == Family::v4 ? IcmpVersion::v4 : IcmpVersion::v6;
    response.icmp_type = icmp.type;
    response.icmp_code = icmp.code;
    response.from_target = packet.src == quoted.dst;
    return Reply{quoted.dst, quoted.dst_port, tryno, response, packet.ttl, packet.src, {}, 0, 0};
}

bool is_our_source(const ScanContext& context, const Address& address) {
    const auto& source = context.source(address.family());
    return source && *source == address;
}

std::string filter_per_family(const ScanContext& context, std::string_view v4,
                              std::string_view v6) {
    std::string filter;
    if (context.source_v4) {
        filter += "(ip and dst host " + context.source_v4->to_string() + " and (" +
                  std::string(v4) + "))";
    }
    if (context.source_v6) {
        if (!filter.empty()) {
            filter += " or ";
        }
        filter += "(ip6 and dst host " + context.source_v6->to_string() + " and (" +
                  std::string(v6) + "))";
    }
    return filter;
}

std::string source_port_range(const ScanContext& context) {
    const std::uint32_t last =
        std::uint32_t{context.source_port_base} + context.source_port_count - 1U;
    return "dst portrange " + std::to_string(context.source_port_base) + "-" +
           std::to_string(last);
}

std::string reply_filter(const ScanContext& context, std::string_view l4) {
    std::string ours = "(";  // appended: GCC 12 -O3 misreads "(" + std::string (-Wrestrict)
    ours.append(l4).append(" and ").append(source_port_range(context)).append(")");
    return filter_per_family(context, ours + " or icmp", ours + " or icmp6");
}

}  // namespace detail

}  // namespace portwarden::techniques

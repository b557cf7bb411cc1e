#include "net/templates.hpp"

#include <string>

namespace portwarden::net {

namespace {

constexpr std::size_t kEthernetMinFrame = 60;  // without FCS; shorter frames are padded
constexpr std::size_t kIpv4Header = 20;
constexpr std::size_t kIpv6Header = 40;
constexpr std::size_t kTcpHeader = 20;
constexpr std::size_t kUdpHeader = 8;
constexpr std::size_t kMaxTcpOptions = 40;
constexpr std::size_t kMaxIpLength = 0xffff;

// Offsets of the per-probe fields.
constexpr std::size_t kIpv4Id = 4;
constexpr std::size_t kIpv4Checksum = 10;
constexpr std::size_t kIpv4Dst = 16;
constexpr std::size_t kIpv6Dst = 24;
constexpr std::size_t kL4SrcPort = 0;
constexpr std::size_t kL4DstPort = 2;
constexpr std::size_t kTcpSeq = 4;
constexpr std::size_t kTcpChecksum = 16;
constexpr std::size_t kUdpChecksum = 6;

// Appends through a bounds-checked writer so building never indexes raw memory.
class Builder {
public:
    void u8(std::uint8_t v) { bytes_.push_back(v); }
    void be16(std::uint16_t v) {
        u8(static_cast<std::uint8_t>(v >> 8));
        u8(static_cast<std::uint8_t>(v));
    }
    void be32(std::uint32_t v) {
        be16(static_cast<std::uint16_t>(v >> 16));
        be16(static_cast<std::uint16_t>(v));
    }
    void raw(ConstBytes data) { bytes_.insert(bytes_.end(), data.begin(), data.end()); }
    void zeros(std::size_t n) { bytes_.insert(bytes_.end(), n, 0); }
    std::size_t size() const { return bytes_.size(); }
    std::vector<std::uint8_t> take() { return std::move(bytes_); }

private:
    std::vector<std::uint8_t> bytes_;
};

}  // namespace

std::vector<std::uint8_t> tcp_option_mss(std::uint16_t mss) {
    return {2, 4, static_cast<std::uint8_t>(mss >> 8), static_cast<std::uint8_t>(mss)};
}

Result<ProbeTemplate> ProbeTemplate::make(const TemplateConfig& config) {
    const bool tcp = config.protocol == kProtoTcp;
    if (!tcp && config.protocol != kProtoUdp) {
        return fail("probe template: protocol " + std::to_string(config.protocol) +
                    " is not TCP or UDP");
    }
    if (tcp && (config.tcp_options.size() % 4 != 0 ||
                config.tcp_options.size() > kMaxTcpOptions)) {
        return fail("probe template: TCP options must be a multiple of 4 bytes, at most 40");
    }
    if (tcp && !config.udp_payload.empty()) {
        return fail("probe template: a payload is only supported for UDP");
    }
    const bool v4 = config.src.is_v4();
    const std::size_t l4_length =
        tcp ? kTcpHeader + config.tcp_options.size() : kUdpHeader + config.udp_payload.size();
    const std::size_t ip_header = v4 ? kIpv4Header : kIpv6Header;
    if ((v4 ? ip_header + l4_length : l4_length) > kMaxIpLength) {
        return fail("probe template: UDP payload of " +
                    std::to_string(config.udp_payload.size()) + " bytes is too large");
    }

    ProbeTemplate t;
    t.family_ = config.src.family();
    t.protocol_ = config.protocol;
    Builder b;
    if (config.ethernet) {
        b.raw(config.ethernet->dst);
        b.raw(config.ethernet->src);
        b.be16(v4 ? kEtherTypeIpv4 : kEtherTypeIpv6);
    }
    t.ip_offset_ = b.size();
    const Address zero_dst = v4 ? Address::from_v4(0) : Address::from_v6({});
    if (v4) {
        b.u8(0x45);
        b.u8(0);
        b.be16(static_cast<std::uint16_t>(ip_header + l4_length));
        b.be16(0);  // id: per probe
        b.be16(config.dont_fragment ? 0x4000 : 0);
        b.u8(config.ttl);
        b.u8(config.protocol);
        b.be16(0);  // checksum: per probe
        b.raw(config.src.bytes());
        b.raw(zero_dst.bytes());
    } else {
        b.be32(0x60000000U);
        b.be16(static_cast<std::uint16_t>(l4_length));
        b.u8(config.protocol);
        b.u8(config.ttl);
        b.raw(config.src.bytes());
        b.raw(zero_dst.bytes());
    }
    t.l4_offset_ = b.size();
    if (tcp) {
        b.be32(0);  // ports: per probe
        b.be32(0);  // seq: per probe
        b.be32(0);  // ack
        b.u8(static_cast<std::uint8_t>(((kTcpHeader + config.tcp_options.size()) / 4) << 4));
        b.u8(config.tcp_flags);
        b.be16(config.window);
        b.be16(0);  // checksum: per probe
        b.be16(0);  // urgent pointer
        b.raw(config.tcp_options);
    } else {
        b.be32(0);  // ports: per probe
        b.be16(static_cast<std::uint16_t>(l4_length));
        b.be16(0);  // checksum: per probe
        b.raw(config.udp_payload);
    }
    if (config.ethernet && b.size() < kEthernetMinFrame) {
        b.zeros(kEthernetMinFrame - b.size());
    }
    t.bytes_ = b.take();

    const ConstBytes all = t.bytes_;
    if (v4) {
        t.ip_sum_.add(all.subspan(t.ip_offset_, kIpv4Header));
    }
    t.l4_sum_ = pseudo_header_sum(config.src, zero_dst, config.protocol,
                                  static_cast<std::uint32_t>(l4_length));
    t.l4_sum_.add(all.subspan(t.l4_offset_, l4_length));
    return t;
}

bool ProbeTemplate::write(MutableBytes buf) const {
    return store_bytes(buf, 0, bytes_);
}

bool ProbeTemplate::patch(MutableBytes buf, const Address& dst, std::uint16_t src_port,
                          std::uint16_t dst_port, std::uint32_t seq,
                          std::uint16_t ip_id) const {
    if (buf.size() < bytes_.size() || dst.family() != family_) {
        return false;
    }
    const MutableBytes ip = buf.subspan(ip_offset_);
    const MutableBytes l4 = buf.subspan(l4_offset_);
    bool ok = true;
    if (family_ == Family::v4) {
        ChecksumSum ip_sum = ip_sum_;
        ip_sum.add16(ip_id).add(dst.bytes());
        ok = ok && store_be16(ip, kIpv4Id, ip_id);
        ok = ok && store_bytes(ip, kIpv4Dst, dst.bytes());
        ok = ok && store_be16(ip, kIpv4Checksum, ip_sum.finish());
    } else {
        ok = ok && store_bytes(ip, kIpv6Dst, dst.bytes());
    }
    ChecksumSum l4_sum = l4_sum_;
    l4_sum.add(dst.bytes()).add16(src_port).add16(dst_port);
    ok = ok && store_be16(l4, kL4SrcPort, src_port);
    ok = ok && store_be16(l4, kL4DstPort, dst_port);
    if (protocol_ == kProtoTcp) {
        l4_sum.add32(seq);
        ok = ok && store_be32(l4, kTcpSeq, seq);
        ok = ok && store_be16(l4, kTcpChecksum, l4_sum.finish());
    } else {
        const std::uint16_t checksum = l4_sum.finish();
        ok = ok && store_be16(l4, kUdpChecksum, checksum == 0 ? 0xffff : checksum);
    }
    return ok;
}

}  // namespace portwarden::net

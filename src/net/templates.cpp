#include "net/templates.hpp"

#include <string>
#include <utility>

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
constexpr std::size_t kIcmpHeader = 8;
constexpr std::size_t kIcmpChecksum = 2;
constexpr std::size_t kIcmpId = 4;
constexpr std::size_t kIcmpSequence = 6;
constexpr std::size_t kIcmpDataWord = 8;  // the first data bytes, patched per probe
constexpr std::size_t kIcmpDataWordLength = 4;

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

// The L4 length of a valid configuration, or what is wrong with it.
Result<std::size_t> l4_length_of(const TemplateConfig& config) {
    const bool v4 = config.src.is_v4();
    std::size_t length = 0;
    if (config.protocol == kProtoTcp) {
        if (config.tcp_options.size() % 4 != 0 || config.tcp_options.size() > kMaxTcpOptions) {
            return fail("probe template: TCP options must be a multiple of 4 bytes, at most 40");
        }
        length = kTcpHeader + config.tcp_options.size();
    } else if (config.protocol == kProtoUdp) {
        length = kUdpHeader + config.udp_payload.size();
    } else if (config.protocol == (v4 ? kProtoIcmp : kProtoIcmpv6)) {
        if (config.icmp_data.size() < kIcmpDataWordLength) {
            return fail("probe template: ICMP probes need at least 4 data bytes (patched)");
        }
        length = kIcmpHeader + config.icmp_data.size();
    } else {
        return fail("probe template: protocol " + std::to_string(config.protocol) +
                    " is not TCP, UDP or " + (v4 ? "ICMP" : "ICMPv6"));
    }
    if (config.protocol != kProtoUdp && !config.udp_payload.empty()) {
        return fail("probe template: a payload is only supported for UDP");
    }
    if ((v4 ? kIpv4Header + length : length) > kMaxIpLength) {
        return fail("probe template: a " + std::to_string(length) +
                    "-byte segment does not fit in an IP packet");
    }
    return length;
}

// The L4 header (per-probe fields zero) and payload of a valid configuration.
void write_l4(Builder& b, const TemplateConfig& config) {
    if (config.protocol == kProtoTcp) {
        b.be32(0);  // ports: per probe
        b.be32(0);  // seq: per probe
        b.be32(0);  // ack
        b.u8(static_cast<std::uint8_t>(((kTcpHeader + config.tcp_options.size()) / 4) << 4));
        b.u8(config.tcp_flags);
        b.be16(config.window);
        b.be16(0);  // checksum: per probe
        b.be16(0);  // urgent pointer
        b.raw(config.tcp_options);
    } else if (config.protocol == kProtoUdp) {
        b.be32(0);  // ports: per probe
        b.be16(static_cast<std::uint16_t>(kUdpHeader + config.udp_payload.size()));
        b.be16(0);  // checksum: per probe
        b.raw(config.udp_payload);
    } else {
        b.u8(config.icmp_type);
        b.u8(0);    // code
        b.be16(0);  // checksum: per probe
        b.be32(0);  // identifier, sequence: per probe
        b.be32(0);  // the first data word: per probe
        b.raw(ConstBytes(config.icmp_data).subspan(kIcmpDataWordLength));
    }
}

}  // namespace

std::vector<std::uint8_t> tcp_option_mss(std::uint16_t mss) {
    return {2, 4, static_cast<std::uint8_t>(mss >> 8), static_cast<std::uint8_t>(mss)};
}

Result<ProbeTemplate> ProbeTemplate::make(const TemplateConfig& config) {
    auto checked = l4_length_of(config);
    if (!checked) {
        return tl::unexpected(std::move(checked.error()));
    }
    const std::size_t l4_length = *checked;
    const bool v4 = config.src.is_v4();
    const std::size_t ip_header = v4 ? kIpv4Header : kIpv6Header;

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
    write_l4(b, config);
    if (config.ethernet && b.size() < kEthernetMinFrame) {
        b.zeros(kEthernetMinFrame - b.size());
    }
    t.bytes_ = b.take();

    const ConstBytes all = t.bytes_;
    if (v4) {
        t.ip_sum_.add(all.subspan(t.ip_offset_, kIpv4Header));
    }
    if (config.protocol != kProtoIcmp) {  // ICMPv4 has no pseudo-header
        t.l4_sum_ = pseudo_header_sum(config.src, zero_dst, config.protocol,
                                      static_cast<std::uint32_t>(l4_length));
    }
    t.l4_sum_.add(all.subspan(t.l4_offset_, l4_length));
    return t;
}

bool ProbeTemplate::write(MutableBytes buf) const {
    return store_bytes(buf, 0, bytes_);
}

bool ProbeTemplate::patch_ip(MutableBytes buf, const Address& dst, std::uint16_t ip_id) const {
    if (buf.size() < bytes_.size() || dst.family() != family_) {
        return false;
    }
    const MutableBytes ip = buf.subspan(ip_offset_);
    if (family_ == Family::v6) {
        return store_bytes(ip, kIpv6Dst, dst.bytes());
    }
    ChecksumSum ip_sum = ip_sum_;
    ip_sum.add16(ip_id).add(dst.bytes());
    return store_be16(ip, kIpv4Id, ip_id) && store_bytes(ip, kIpv4Dst, dst.bytes()) &&
           store_be16(ip, kIpv4Checksum, ip_sum.finish());
}

bool ProbeTemplate::patch(MutableBytes buf, const Address& dst, std::uint16_t src_port,
                          std::uint16_t dst_port, std::uint32_t seq,
                          std::uint16_t ip_id) const {
    if (is_icmp() || !patch_ip(buf, dst, ip_id)) {
        return false;
    }
    const MutableBytes l4 = buf.subspan(l4_offset_);
    ChecksumSum l4_sum = l4_sum_;
    l4_sum.add(dst.bytes()).add16(src_port).add16(dst_port);
    bool ok = store_be16(l4, kL4SrcPort, src_port) && store_be16(l4, kL4DstPort, dst_port);
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

bool ProbeTemplate::patch_icmp(MutableBytes buf, const Address& dst, std::uint16_t id,
                               std::uint16_t sequence, std::uint32_t data_word,
                               std::uint16_t ip_id) const {
    if (!is_icmp() || !patch_ip(buf, dst, ip_id)) {
        return false;
    }
    const MutableBytes l4 = buf.subspan(l4_offset_);
    ChecksumSum l4_sum = l4_sum_;
    if (protocol_ == kProtoIcmpv6) {
        l4_sum.add(dst.bytes());  // the pseudo-header's destination
    }
    l4_sum.add16(id).add16(sequence).add32(data_word);
    return store_be16(l4, kIcmpId, id) && store_be16(l4, kIcmpSequence, sequence) &&
           store_be32(l4, kIcmpDataWord, data_word) &&
           store_be16(l4, kIcmpChecksum, l4_sum.finish());
}

}  // namespace portwarden::net

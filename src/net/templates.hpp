#pragma once
// Template-then-patch probe builders. A ProbeTemplate is made once per scan; write() copies
// its constant bytes into a transmit buffer once, and patch() (TCP, UDP) or patch_icmp()
// (ICMP echo/timestamp, ICMPv6 echo) then writes only the per-probe fields (dst address, ports
// and seq, or identifier, sequence and the first data word; IP id) and the checksums. Neither
// reads the buffer: the checksums come from sums of the constant bytes precomputed in make().
// ICMPv4 is checksummed without a pseudo-header, ICMPv6 with one (RFC 4443 2.3).
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "net/bytes.hpp"
#include "net/packet_view.hpp"
#include "portwarden/address.hpp"
#include "portwarden/error.hpp"

namespace portwarden::net {

using MacAddress = std::array<std::uint8_t, 6>;

struct EthernetAddresses {
    MacAddress src{};
    MacAddress dst{};
};

struct TemplateConfig {
    Address src;                          // its family picks IPv4 or IPv6
    std::uint8_t protocol = kProtoTcp;    // kProtoTcp, kProtoUdp, or kProtoIcmp (IPv4) /
                                          // kProtoIcmpv6 (IPv6)
    std::uint8_t tcp_flags = kTcpSyn;
    std::vector<std::uint8_t> tcp_options;  // raw bytes, length a multiple of 4, <= 40
    std::uint16_t window = 1024;
    std::uint8_t ttl = 64;                // TTL or hop limit
    bool dont_fragment = false;           // IPv4 DF bit
    std::vector<std::uint8_t> udp_payload;
    std::uint8_t icmp_type = 0;              // ICMP: the message type (code 0), e.g. echo
    std::vector<std::uint8_t> icmp_data;     // ICMP: after the 8-byte header; at least 4 bytes,
                                             // the first 4 are patched per probe
    std::optional<EthernetAddresses> ethernet;  // none: the frame starts at the IP header
};

// The 4 bytes of a TCP MSS option.
std::vector<std::uint8_t> tcp_option_mss(std::uint16_t mss);

class ProbeTemplate {
public:
    static Result<ProbeTemplate> make(const TemplateConfig& config);

    Family family() const { return family_; }
    std::uint8_t protocol() const { return protocol_; }
    std::size_t size() const { return bytes_.size(); }
    std::size_t ip_offset() const { return ip_offset_; }
    std::size_t l4_offset() const { return l4_offset_; }
    ConstBytes bytes() const { return bytes_; }

    // Copies the template into buf[0, size()); false when buf is too small.
    [[nodiscard]] bool write(MutableBytes buf) const;

    // Writes the per-probe fields and checksums into a buffer that holds write()'s bytes.
    // For UDP `seq` is unused; for IPv6 `ip_id` is unused. False when buf is smaller than
    // size() or dst's family differs from the template's.
    [[nodiscard]] bool patch(MutableBytes buf, const Address& dst, std::uint16_t src_port,
                             std::uint16_t dst_port, std::uint32_t seq,
                             std::uint16_t ip_id) const;

    // The same for ICMP templates: the identifier, sequence number and the first 4 data bytes
    // (an echo's payload, a timestamp's originate field). False when buf is smaller than
    // size(), dst's family differs or the template is not ICMP.
    [[nodiscard]] bool patch_icmp(MutableBytes buf, const Address& dst, std::uint16_t id,
                                  std::uint16_t sequence, std::uint32_t data_word,
                                  std::uint16_t ip_id) const;

private:
    ProbeTemplate() = default;
    bool is_icmp() const { return protocol_ == kProtoIcmp || protocol_ == kProtoIcmpv6; }
    // Writes dst and the IPv4 id and header checksum; false when buf cannot hold the template.
    [[nodiscard]] bool patch_ip(MutableBytes buf, const Address& dst, std::uint16_t ip_id) const;

    std::vector<std::uint8_t> bytes_;
    Family family_ = Family::v4;
    std::uint8_t protocol_ = kProtoTcp;
    std::size_t ip_offset_ = 0;
    std::size_t l4_offset_ = 0;
    ChecksumSum ip_sum_;  // IPv4 header with id, dst and checksum taken as zero
    ChecksumSum l4_sum_;  // pseudo-header without dst (none for ICMPv4) + L4 with the
                          // per-probe fields and the checksum zero
};

}  // namespace portwarden::net

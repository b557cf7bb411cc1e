#pragma once
// Template-then-patch probe builders. A ProbeTemplate is made once per scan; write() copies
// its constant bytes into a transmit buffer once, and patch() then writes only the
// per-probe fields (dst address, ports, seq, IP id) and the checksums. patch() never reads
// the buffer: the checksums come from sums of the constant bytes precomputed in make().
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
    std::uint8_t protocol = kProtoTcp;    // kProtoTcp or kProtoUdp
    std::uint8_t tcp_flags = kTcpSyn;
    std::vector<std::uint8_t> tcp_options;  // raw bytes, length a multiple of 4, <= 40
    std::uint16_t window = 1024;
    std::uint8_t ttl = 64;                // TTL or hop limit
    bool dont_fragment = false;           // IPv4 DF bit
    std::vector<std::uint8_t> udp_payload;
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

private:
    ProbeTemplate() = default;

    std::vector<std::uint8_t> bytes_;
    Family family_ = Family::v4;
    std::uint8_t protocol_ = kProtoTcp;
    std::size_t ip_offset_ = 0;
    std::size_t l4_offset_ = 0;
    ChecksumSum ip_sum_;  // IPv4 header with id, dst and checksum taken as zero
    ChecksumSum l4_sum_;  // pseudo-header without dst + L4 with ports, seq, checksum zero
};

}  // namespace portwarden::net

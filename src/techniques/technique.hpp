#pragma once
// The interface every raw scan technique implements (zmap's probe_module_t, in C++): build a
// template once per scan, patch one probe per (target, port, try), decide statelessly whether a
// captured packet answers one of our probes, and say which capture filter lets replies in.
// Modules never classify: validate() returns the Response that portwarden::classify() maps to
// a port state, so every engine shares the one table.
//
// Stateless validation. For a probe from `src` to `dst`:`dport`, try `tryno`:
//   h     = syn_cookie(key, src, dst, 0, dport)                 (independent of the try)
//   sport = source_port_base + (h + tryno) % source_port_count
//   seq   = syn_cookie(key, src, dst, sport, dport)             (TCP; ack = seq for ACK probes)
// A reply names its 4-tuple, so the receiver recomputes h, recovers
//   tryno = (sport - base - h) mod count
// and accepts it only when tryno < max_tries; TCP replies must then also carry the seq-derived
// value (see tcp_flags_module.cpp). Nothing is stored per probe, and a reply tells which try it
// answers (for Karn-safe RTT samples).
// The ICMP pings (icmp_echo, icmp_timestamp) probe hosts, not ports: they carry the try in the
// ICMP sequence number instead (icmp_ping_module.cpp), ignore dport and reply with port 0.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "net/cookie.hpp"
#include "net/packet_view.hpp"
#include "net/templates.hpp"
#include "portwarden/address.hpp"
#include "portwarden/classify.hpp"
#include "portwarden/error.hpp"

namespace portwarden::techniques {

struct ScanContext {
    net::SipKey key;
    std::optional<Address> source_v4;  // our address per family; a family without one
    std::optional<Address> source_v6;  // cannot be scanned
    std::optional<net::EthernetAddresses> ethernet_v4;  // none: frames start at the IP header
    std::optional<net::EthernetAddresses> ethernet_v6;
    std::uint8_t ttl = 64;
    bool dont_fragment = false;
    std::uint16_t tcp_window = 1024;
    std::optional<std::uint16_t> tcp_mss = 1460;  // sent on probes that carry SYN (as nmap)
    std::uint16_t source_port_base = 32768;
    std::uint16_t source_port_count = 16384;  // base + count <= 65536, count >= max_tries
                                              // or count == 1 (-g: tries not told apart)
    std::uint8_t max_tries = 11;              // nmap's default --max-retries 10, plus one

    const std::optional<Address>& source(Family family) const {
        return family == Family::v4 ? source_v4 : source_v6;
    }
    const std::optional<net::EthernetAddresses>& ethernet(Family family) const {
        return family == Family::v4 ? ethernet_v4 : ethernet_v6;
    }
};

// Checks the port range and try count of a context; make_template() calls it.
Result<bool> check_context(const ScanContext& context);

// The source port of a probe (see the file comment); nullopt when tryno >= max_tries.
std::optional<std::uint16_t> probe_source_port(const ScanContext& context, const Address& src,
                                               const Address& dst, std::uint16_t dport,
                                               std::uint8_t tryno);

// The try a source port belongs to, or nullopt when the port was never used for this flow.
std::optional<std::uint8_t> tryno_from_source_port(const ScanContext& context,
                                                   const Address& src, const Address& dst,
                                                   std::uint16_t sport, std::uint16_t dport);

// A captured packet that answers one of our probes.
struct Reply {
    Address target;           // the scanned address
    std::uint16_t port = 0;   // the scanned port
    std::uint8_t tryno = 0;   // which try it answers
    Response response;        // for portwarden::classify()
    std::uint8_t ttl = 0;     // of the reply
    Address responder;        // the reply's source (a router for most ICMP errors)
    // For the responder analysis (TCP replies): IPv4 ID, window, options digest.
    std::optional<std::uint16_t> ip_id;
    std::uint16_t tcp_window = 0;
    std::uint16_t tcp_options = 0;
};

class Module {
public:
    Module() = default;
    Module(const Module&) = delete;
    Module& operator=(const Module&) = delete;
    virtual ~Module() = default;

    // The technique whose row of the classifier interprets this module's replies.
    virtual Technique technique() const = 0;
    virtual std::string_view name() const = 0;

    // Whether the module has probes for this family at all (ICMP timestamp: IPv4 only). Hosts of
    // a family a discovery module lacks are simply not probed by it.
    virtual bool supports(Family family) const {
        (void)family;
        return true;
    }

    // Probes to ports with the same variant share a template (UDP payloads differ per port).
    virtual std::uint32_t template_variant(std::uint16_t dport) const {
        (void)dport;
        return 0;
    }
    // The constant bytes of the probes of one family (and variant of `dport`).
    virtual Result<net::ProbeTemplate> make_template(const ScanContext& context, Family family,
                                                     std::uint16_t dport) const = 0;

    // Patches one probe into `buf`, which must already hold tmpl.write()'s bytes (write once
    // per buffer, patch per probe). False when buf is too small, the template or our source
    // does not match dst's family, or tryno >= max_tries.
    virtual bool make_probe(std::span<std::uint8_t> buf, const net::ProbeTemplate& tmpl,
                            const ScanContext& context, const Address& dst, std::uint16_t dport,
                            std::uint8_t tryno) const = 0;

    // The probe this packet answers, or nullopt when it is not a reply to one of ours.
    virtual std::optional<Reply> validate(const net::ParsedPacket& packet,
                                          const ScanContext& context) const = 0;

    // A pcap-filter(7) expression admitting the replies (a coarse kernel-side pre-filter;
    // validate() decides). Empty when the context has no source address.
    virtual std::string bpf_filter(const ScanContext& context) const = 0;
};

// The module of a technique (one table, built once). Technique::connect has a module whose
// make_template() fails: the connect engine uses sockets, not raw packets.
const Module& module_for(Technique technique);

// --scanflags: probes with these TCP flags, replies read as `interpret_as` (nmap: SYN unless
// a scan type is given). interpret_as must be a TCP raw technique (not connect/udp).
Result<std::unique_ptr<Module>> make_custom_flags_module(std::uint8_t tcp_flags,
                                                         Technique interpret_as = Technique::syn);

}  // namespace portwarden::techniques

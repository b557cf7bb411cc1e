// UDP probe payloads, byte by byte from the specifications cited next to each.
#include "techniques/udp_payloads.hpp"

#include <algorithm>
#include <array>
#include <cstddef>

namespace portwarden::techniques {

namespace {

// The bytes of a string literal without its terminating NUL.
template <std::size_t N>
constexpr std::array<std::uint8_t, N - 1> text(const char (&s)[N]) {
    std::array<std::uint8_t, N - 1> out{};
    for (std::size_t i = 0; i + 1 < N; ++i) {
        out.at(i) = static_cast<std::uint8_t>(s[i]);
    }
    return out;
}

template <std::size_t A, std::size_t B>
constexpr std::array<std::uint8_t, A + B> concat(const std::array<std::uint8_t, A>& a,
                                                 const std::array<std::uint8_t, B>& b) {
    std::array<std::uint8_t, A + B> out{};
    std::copy(a.begin(), a.end(), out.begin());
    std::copy(b.begin(), b.end(), out.begin() + A);
    return out;
}

// DNS (RFC 1035 4.1): id "pw", no flags (a standard query), QDCOUNT 1, question "." NS IN.
constexpr std::array<std::uint8_t, 17> kDns{
    0x70, 0x77, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // header
    0x00,                                                                    // root name
    0x00, 0x02,                                                              // QTYPE NS
    0x00, 0x01,                                                              // QCLASS IN
};

// TFTP (RFC 1350): RRQ "portwarden.txt" mode "octet". Servers answer from a new port (TID).
constexpr auto kTftp = concat(std::array<std::uint8_t, 2>{0x00, 0x01},
                              text("portwarden.txt\0octet\0"));

// ONC RPC (RFC 5531) CALL to portmapper (100000) v2 procedure 0 (NULL), AUTH_NONE twice.
constexpr std::array<std::uint8_t, 40> kPortmap{
    0x70, 0x77, 0x00, 0x6f,  // xid
    0x00, 0x00, 0x00, 0x00,  // CALL
    0x00, 0x00, 0x00, 0x02,  // RPC version 2
    0x00, 0x01, 0x86, 0xa0,  // program 100000
    0x00, 0x00, 0x00, 0x02,  // version 2
    0x00, 0x00, 0x00, 0x00,  // procedure NULL
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // credentials: AUTH_NONE, length 0
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // verifier: AUTH_NONE, length 0
};

// NTP (RFC 5905 7.3): LI 0, version 4, mode 3 (client); the rest zero. 48 bytes.
constexpr std::array<std::uint8_t, 48> kNtp{0x23};

// NetBIOS name service (RFC 1002 4.2.17/4.2.1): NODE STATUS REQUEST for "*" (padded with NULs,
// first-level encoded: each nibble + 'A'), NBSTAT IN.
constexpr auto kNetbios = concat(
    std::array<std::uint8_t, 13>{0x70, 0x77, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
                                 0x00, 0x00, 0x20},
    text("CKAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\0\0\x21\0\x01"));

// SNMP v1 (RFC 1157) GetRequest, community "public", for sysDescr.0 (1.3.6.1.2.1.1.1.0).
constexpr std::array<std::uint8_t, 43> kSnmp{
    0x30, 0x29,                                      // SEQUENCE, 41 bytes
    0x02, 0x01, 0x00,                                // version 0 (v1)
    0x04, 0x06, 'p', 'u', 'b', 'l', 'i', 'c',        // community
    0xa0, 0x1c,                                      // GetRequest-PDU, 28 bytes
    0x02, 0x04, 0x70, 0x77, 0x00, 0x01,              // request-id
    0x02, 0x01, 0x00,                                // error-status
    0x02, 0x01, 0x00,                                // error-index
    0x30, 0x0e,                                      // VarBindList, 14 bytes
    0x30, 0x0c,                                      // VarBind, 12 bytes
    0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00,  // OID sysDescr.0
    0x05, 0x00,                                      // NULL
};

// ISAKMP (RFC 2408 3.1-3.6, RFC 2409 App. A): IKEv1 Main Mode, one SA with one proposal
// (PROTO_ISAKMP) and one KEY_IKE transform: 3DES, SHA, pre-shared key, MODP 1024, 28800 s.
constexpr std::array<std::uint8_t, 80> kIke{
    0x70, 0x77, 0x70, 0x77, 0x00, 0x00, 0x00, 0x01,  // initiator cookie
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // responder cookie
    0x01, 0x10, 0x02, 0x00,                          // next SA, v1.0, Main Mode, flags
    0x00, 0x00, 0x00, 0x00,                          // message id
    0x00, 0x00, 0x00, 0x50,                          // length 80
    0x00, 0x00, 0x00, 0x34,                          // SA: next none, length 52
    0x00, 0x00, 0x00, 0x01,                          // DOI IPsec
    0x00, 0x00, 0x00, 0x01,                          // situation identity-only
    0x00, 0x00, 0x00, 0x28,                          // proposal: last, length 40
    0x01, 0x01, 0x00, 0x01,                          // #1, PROTO_ISAKMP, SPI size 0, 1 transform
    0x00, 0x00, 0x00, 0x20,                          // transform: last, length 32
    0x01, 0x01, 0x00, 0x00,                          // #1, KEY_IKE
    0x80, 0x01, 0x00, 0x05,                          // encryption 3DES-CBC
    0x80, 0x02, 0x00, 0x02,                          // hash SHA
    0x80, 0x03, 0x00, 0x01,                          // authentication pre-shared key
    0x80, 0x04, 0x00, 0x02,                          // group MODP 1024
    0x80, 0x0b, 0x00, 0x01,                          // life type seconds
    0x80, 0x0c, 0x70, 0x80,                          // life duration 28800
};

// SSDP (UPnP Device Architecture 1.1, 1.3.2): M-SEARCH for all devices.
constexpr auto kSsdp = text(
    "M-SEARCH * HTTP/1.1\r\n"
    "HOST: 239.255.255.250:1900\r\n"
    "MAN: \"ssdp:discover\"\r\n"
    "MX: 1\r\n"
    "ST: ssdp:all\r\n"
    "\r\n");

// mDNS (RFC 6762 5.4, RFC 6763 9): PTR _services._dns-sd._udp.local with the unicast-response
// bit (QU) so the answer comes back to our port.
constexpr auto kMdns = concat(
    std::array<std::uint8_t, 12>{0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
                                 0x00, 0x00},
    text("\x09_services\x07_dns-sd\x04_udp\x05local\0\0\x0c\x80\x01"));

// SIP (RFC 3261 11, RFC 3581 rport): OPTIONS with the mandatory headers.
constexpr auto kSip = text(
    "OPTIONS sip:nm SIP/2.0\r\n"
    "Via: SIP/2.0/UDP nm;branch=z9hG4bK-portwarden;rport\r\n"
    "Max-Forwards: 70\r\n"
    "To: <sip:nm2@nm2>\r\n"
    "From: <sip:nm@nm>;tag=portwarden\r\n"
    "Call-ID: portwarden-probe\r\n"
    "CSeq: 42 OPTIONS\r\n"
    "Contact: <sip:nm@nm>\r\n"
    "Accept: application/sdp\r\n"
    "Content-Length: 0\r\n"
    "\r\n");

// memcached (protocol.txt "UDP protocol"): frame header (request id, sequence 0, 1 datagram,
// reserved) then the "stats" command.
constexpr auto kMemcached =
    concat(std::array<std::uint8_t, 8>{0x70, 0x77, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00},
           text("stats\r\n"));

struct Entry {
    std::uint16_t port;
    std::span<const std::uint8_t> payload;
};

// Sorted by port.
constexpr std::array<Entry, 11> kEntries{{
    {53, kDns},
    {69, kTftp},
    {111, kPortmap},
    {123, kNtp},
    {137, kNetbios},
    {161, kSnmp},
    {500, kIke},
    {1900, kSsdp},
    {5060, kSip},
    {5353, kMdns},
    {11211, kMemcached},
}};

constexpr std::size_t kEntryCount = kEntries.size();

constexpr std::array<std::uint16_t, kEntryCount> ports() {
    std::array<std::uint16_t, kEntryCount> out{};
    for (std::size_t i = 0; i < kEntryCount; ++i) {
        out.at(i) = kEntries.at(i).port;
    }
    return out;
}

constexpr std::array<std::uint16_t, kEntryCount> kPorts = ports();
static_assert(std::is_sorted(kPorts.begin(), kPorts.end()));

}  // namespace

std::span<const std::uint8_t> udp_payload(std::uint16_t port) {
    for (std::size_t i = 0; i < kEntryCount; ++i) {
        if (kEntries.at(i).port == port) {
            return kEntries.at(i).payload;
        }
    }
    return {};
}

std::span<const std::uint16_t> udp_payload_ports() { return kPorts; }

}  // namespace portwarden::techniques

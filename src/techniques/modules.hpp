#pragma once
// Internal to src/techniques: the module factories the registry uses, and helpers the
// modules share.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "techniques/technique.hpp"

namespace portwarden::techniques::detail {

// A TCP module sending `tcp_flags`, its replies read by the classifier row `technique`.
std::unique_ptr<Module> make_tcp_flags_module(Technique technique, std::uint8_t tcp_flags,
                                              std::string_view name);
std::unique_ptr<Module> make_udp_module();
// An ICMP ping module: `technique` is Technique::icmp_echo or Technique::icmp_timestamp.
std::unique_ptr<Module> make_icmp_ping_module(Technique technique);

// The base template configuration of a context for one family and L4 protocol; an error when
// the context is invalid or has no source address for the family.
Result<net::TemplateConfig> base_config(const ScanContext& context, Family family,
                                        std::uint8_t protocol);

// Response and Reply for an ICMP error quoting one of our probes to quoted.dst:dst_port.
Reply icmp_reply(const net::ParsedPacket& packet, const net::IcmpInfo& icmp,
                 const net::QuotedPacket& quoted, std::uint8_t tryno);

// True when `address` is our source for its family.
bool is_our_source(const ScanContext& context, const Address& address);
// The capture filter of a module probing with `l4` ("tcp" or "udp"): that protocol to our
// source-port range, and ICMP/ICMPv6 errors, each to our address of its family.
std::string reply_filter(const ScanContext& context, std::string_view l4);

// "dst host A and (...)" per family with a source, joined by "or"; `v4` and `v6` are the
// protocol parts for each family. Empty when the context has no source.
std::string filter_per_family(const ScanContext& context, std::string_view v4,
                              std::string_view v6);

// "dst portrange lo-hi" of the source ports.
std::string source_port_range(const ScanContext& context);

}  // namespace portwarden::techniques::detail

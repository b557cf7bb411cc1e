#pragma once
// One captured frame as the detector sees it: a probe (a packet to a watched address from
// elsewhere), an answer (a watched address's SYN-ACK / RST / UDP reply / ICMP reply or error to
// elsewhere), or nothing (local traffic, mid-connection segments the host sends, other protocols).
#include <optional>
#include <set>
#include <variant>

#include "net/bytes.hpp"
#include "net/packet_view.hpp"
#include "portwarden/watch.hpp"

namespace portwarden::watch {

using FrameEvent = std::variant<std::monostate, Probe, Answer>;

// The options shape of a TCP header (bytes 20 .. header_length of the segment); malformed
// options stop the walk (what was read so far counts).
TcpOptions parse_tcp_options(net::ConstBytes options);

FrameEvent frame_event(net::ConstBytes frame, const net::ParsedPacket& packet, const std::set<Address>& watched,
                       double time);

}  // namespace portwarden::watch

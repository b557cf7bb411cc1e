#pragma once
// One line describing a parsed packet, as nmap's --packet-trace writes them:
//   TCP 198.18.1.1:40000 > 198.18.1.10:22 S ttl=64 id=4321 iplen=44 seq=123456 win=1024
//   UDP 198.18.1.1:40000 > 198.18.1.10:53 ttl=64 id=4321 iplen=40
//   ICMP [198.18.1.10 > 198.18.1.1 type=3/code=3] ttl=64 id=0 iplen=56
#include <string>

#include "net/packet_view.hpp"

namespace portwarden::net {

std::string describe_packet(const ParsedPacket& packet);

}  // namespace portwarden::net

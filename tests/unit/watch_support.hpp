#pragma once
// Probes and answers as nmap 7.93 and a Linux connect() send them, for the watch unit tests.
#include <cstdint>
#include <vector>

#include "net/packet_view.hpp"
#include "portwarden/watch.hpp"

namespace portwarden::watch {

inline const Address kHost = *Address::parse("198.18.1.10");
inline const Address kScanner = *Address::parse("198.18.0.2");

struct Harness {
    explicit Harness(Config config = {})
        : detector(config, [this](const Alert& a) { alerts.push_back(a); }) {}
    Detector detector;
    std::vector<Alert> alerts;
};

inline Probe tcp(const Address& src, std::uint16_t port, std::uint8_t flags, double t) {
    Probe p;
    p.time = t;
    p.src = src;
    p.dst = kHost;
    p.protocol = net::kProtoTcp;
    p.src_port = 40000;
    p.dst_port = port;
    p.tcp_flags = flags;
    p.window = 64240;
    p.options = TcpOptions{5, 1460, true, true, true};  // a Linux connect()
    p.ip_id = static_cast<std::uint16_t>(port * 7919U);
    p.ttl = 64;
    return p;
}

inline Probe nmap_raw(std::uint16_t port, std::uint8_t flags, double t) {
    Probe p = tcp(kScanner, port, flags, t);
    p.window = 1024;
    p.options = flags == net::kTcpSyn ? TcpOptions{1, 1460, false, false, false} : TcpOptions{};
    p.ttl = 46;
    return p;
}

inline Answer reply(const Address& peer, std::uint16_t port, AnswerKind kind, double t,
                    std::uint8_t protocol = net::kProtoTcp) {
    return Answer{t, kHost, peer, protocol, port, 40000, kind};
}

}  // namespace portwarden::watch

#include "watch/frame_events.hpp"

namespace portwarden::watch {

TcpOptions parse_tcp_options(net::ConstBytes options) {
    TcpOptions shape;
    std::size_t i = 0;
    while (i < options.size()) {
        const std::uint8_t kind = options[i];
        if (kind == 0) {
            break;  // end of list
        }
        if (kind == 1) {
            ++i;  // NOP
            continue;
        }
        if (i + 1 >= options.size() || options[i + 1] < 2 || i + options[i + 1] > options.size()) {
            break;
        }
        const std::size_t length = options[i + 1];
        ++shape.count;
        if (kind == 2 && length == 4) {
            shape.mss = static_cast<std::uint16_t>(options[i + 2] << 8 | options[i + 3]);
        }
        shape.window_scale = shape.window_scale || kind == 3;
        shape.sack_permitted = shape.sack_permitted || kind == 4;
        shape.timestamps = shape.timestamps || kind == 8;
        i += length;
    }
    return shape;
}

namespace {

Probe make_probe(net::ConstBytes frame, const net::ParsedPacket& p, double time) {
    Probe probe;
    probe.time = time;
    probe.src = p.src;
    probe.dst = p.dst;
    probe.protocol = p.protocol;
    probe.ip_id = p.ip_id;
    probe.ttl = p.ttl;
    if (p.tcp) {
        probe.src_port = p.tcp->src_port;
        probe.dst_port = p.tcp->dst_port;
        probe.tcp_flags = p.tcp->flags;
        probe.window = p.tcp->window;
        probe.seq = p.tcp->seq;
        constexpr std::size_t kBaseHeader = 20;
        probe.options = parse_tcp_options(
            frame.subspan(p.l4_offset + kBaseHeader, p.tcp->header_length - kBaseHeader));
    } else if (p.udp) {
        probe.src_port = p.udp->src_port;
        probe.dst_port = p.udp->dst_port;
    } else if (p.icmp) {
        probe.icmp_type = p.icmp->type;
    }
    return probe;
}

// The request type an ICMP query reply answers (its contact port), or 0.
std::uint8_t request_type(std::uint8_t protocol, std::uint8_t reply_type) {
    if (protocol == net::kProtoIcmp) {
        return reply_type == net::kIcmpEchoReply        ? net::kIcmpEchoRequest
               : reply_type == net::kIcmpTimestampReply ? net::kIcmpTimestampRequest
                                                        : 0;
    }
    return reply_type == net::kIcmpv6EchoReply ? net::kIcmpv6EchoRequest : 0;
}

FrameEvent icmp_answer(const net::ParsedPacket& p, double time) {
    Answer a{time, p.src, p.dst, p.protocol, 0, 0, AnswerKind::echo_reply};
    if (p.icmp->quoted) {
        const net::QuotedPacket& q = *p.icmp->quoted;
        const bool v4 = p.protocol == net::kProtoIcmp;
        if (!(v4 ? p.icmp->type == 3 : p.icmp->type == 1)) {
            return std::monostate{};  // time exceeded, parameter problem...
        }
        const bool port = v4 ? p.icmp->code == 3 : p.icmp->code == 4;
        a.kind = port ? AnswerKind::icmp_port_unreach : AnswerKind::icmp_unreach;
        a.protocol = q.protocol;
        a.host_port = q.dst_port;
        a.peer_port = q.src_port;
        return a;
    }
    const std::uint8_t request = request_type(p.protocol, p.icmp->type);
    if (request == 0) {
        return std::monostate{};
    }
    a.host_port = request;
    return a;
}

FrameEvent answer_event(const net::ParsedPacket& p, double time) {
    if (p.tcp) {
        const std::uint8_t flags = p.tcp->flags;
        AnswerKind kind = AnswerKind::rst;
        if ((flags & net::kTcpRst) != 0) {
            kind = AnswerKind::rst;
        } else if ((flags & (net::kTcpSyn | net::kTcpAck)) == (net::kTcpSyn | net::kTcpAck)) {
            kind = AnswerKind::syn_ack;
        } else {
            return std::monostate{};
        }
        return Answer{time, p.src, p.dst, p.protocol, p.tcp->src_port, p.tcp->dst_port, kind};
    }
    if (p.udp) {
        return Answer{time, p.src, p.dst, p.protocol, p.udp->src_port, p.udp->dst_port, AnswerKind::udp_reply};
    }
    return p.icmp ? icmp_answer(p, time) : FrameEvent{std::monostate{}};
}

}  // namespace

FrameEvent frame_event(net::ConstBytes frame, const net::ParsedPacket& packet, const std::set<Address>& watched,
                       double time) {
    const bool to_us = watched.contains(packet.dst);
    const bool from_us = watched.contains(packet.src);
    if (to_us == from_us) {
        return std::monostate{};  // local traffic, or neither end watched
    }
    if (from_us) {
        return answer_event(packet, time);
    }
    if (packet.icmp && net::is_icmp_error(packet.protocol, packet.icmp->type)) {
        return std::monostate{};  // an error about the host's own traffic
    }
    return make_probe(frame, packet, time);
}

}  // namespace portwarden::watch

#include "portwarden/watch.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <vector>

#include "net/packet_view.hpp"
#include "watch/frame_events.hpp"

namespace portwarden::watch {
namespace {

// The value of the first "KEY=" field at or after `from` (fields are space separated).
std::optional<std::string_view> field(std::string_view line, std::string_view key, std::size_t from = 0) {
    std::size_t at = from;
    while ((at = line.find(key, at)) != std::string_view::npos) {
        if ((at == 0 || line[at - 1] == ' ') && at + key.size() < line.size() + 1 &&
            line.substr(at + key.size()).starts_with('=')) {
            const std::size_t begin = at + key.size() + 1;
            const std::size_t end = std::min(line.find(' ', begin), line.size());
            return line.substr(begin, end - begin);
        }
        at += key.size();
    }
    return std::nullopt;
}

template <class T>
T number(std::optional<std::string_view> text, int base = 10) {
    T value{};
    if (text) {
        if (base == 16 && text->starts_with("0x")) {
            text->remove_prefix(2);
        }
        std::from_chars(text->data(), text->data() + text->size(), value, base);
    }
    return value;
}

bool has_word(std::string_view text, std::string_view word) {
    std::size_t at = 0;
    while ((at = text.find(word, at)) != std::string_view::npos) {
        const std::size_t end = at + word.size();
        if ((at == 0 || text[at - 1] == ' ') && (end == text.size() || text[end] == ' ')) {
            return true;
        }
        at = end;
    }
    return false;
}

std::uint8_t tcp_flags(std::string_view tail) {
    std::uint8_t flags = 0;
    const std::pair<std::string_view, std::uint8_t> names[] = {
        {"FIN", net::kTcpFin}, {"SYN", net::kTcpSyn}, {"RST", net::kTcpRst}, {"PSH", net::kTcpPsh},
        {"ACK", net::kTcpAck}, {"URG", net::kTcpUrg}, {"ECE", net::kTcpEce}, {"CWR", net::kTcpCwr}};
    for (const auto& [name, bit] : names) {
        if (has_word(tail, name)) {
            flags = static_cast<std::uint8_t>(flags | bit);
        }
    }
    return flags;
}

// "OPT (020405B4...)" -> the options' shape.
std::optional<TcpOptions> options(std::string_view tail) {
    const std::size_t at = tail.find("OPT (");
    if (at == std::string_view::npos) {
        return std::nullopt;
    }
    const std::size_t begin = at + 5;
    const std::size_t end = tail.find(')', begin);
    if (end == std::string_view::npos) {
        return std::nullopt;
    }
    std::vector<std::uint8_t> bytes;
    for (std::size_t i = begin; i + 1 < end; i += 2) {
        bytes.push_back(number<std::uint8_t>(tail.substr(i, 2), 16));
    }
    return parse_tcp_options(bytes);
}

std::uint8_t protocol_number(std::string_view name) {
    if (name == "TCP") return net::kProtoTcp;
    if (name == "UDP" || name == "UDPLITE") return net::kProtoUdp;
    if (name == "ICMP") return net::kProtoIcmp;
    if (name == "ICMPv6") return net::kProtoIcmpv6;
    return number<std::uint8_t>(name);
}

bool accepting_prefix(std::string_view prefix) {
    std::string lower(prefix);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    return lower.find("accept") != std::string::npos || lower.find("allow") != std::string::npos;
}

// The kernel's "[ 1234.567890]" stamp, if the line starts with one (dmesg, syslog's kernel: lines).
std::optional<double> kernel_stamp(std::string_view line) {
    const std::size_t open = line.find('[');
    const std::size_t close = line.find(']');
    if (open == std::string_view::npos || close == std::string_view::npos || close < open || open > 40) {
        return std::nullopt;
    }
    std::string_view text = line.substr(open + 1, close - open - 1);
    text.remove_prefix(std::min(text.find_first_not_of(' '), text.size()));
    double value = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc() && ptr == text.data() + text.size() ? std::optional(value) : std::nullopt;
}

}  // namespace

std::optional<LoggedPacket> parse_log_line(std::string_view line) {
    const auto in = line.find("IN=");
    const auto src = field(line, "SRC");
    const auto dst = field(line, "DST");
    const auto proto = field(line, "PROTO");
    if (in == std::string_view::npos || !src || !dst || !proto) {
        return std::nullopt;
    }
    LoggedPacket out;
    Probe& p = out.probe;
    const auto s = Address::parse(*src);
    const auto d = Address::parse(*dst);
    if (!s || !d) {
        return std::nullopt;
    }
    p.src = *s;
    p.dst = *d;
    p.protocol = protocol_number(*proto);
    p.ttl = number<std::uint8_t>(field(line, "TTL") ? field(line, "TTL") : field(line, "HOPLIMIT"));
    p.ip_id = number<std::uint16_t>(field(line, "ID"));
    const std::size_t after_proto = line.find("PROTO=");
    const std::string_view tail = line.substr(after_proto);
    p.src_port = number<std::uint16_t>(field(tail, "SPT"));
    p.dst_port = number<std::uint16_t>(field(tail, "DPT"));
    if (p.protocol == net::kProtoTcp) {
        p.tcp_flags = tcp_flags(tail);
        p.window = number<std::uint16_t>(field(tail, "WINDOW"));
        p.seq = number<std::uint32_t>(field(tail, "SEQ"));
        const auto shape = options(tail);
        p.options_known = shape.has_value();
        p.options = shape.value_or(TcpOptions{});
    } else if (p.protocol == net::kProtoIcmp || p.protocol == net::kProtoIcmpv6) {
        p.icmp_type = number<std::uint8_t>(field(tail, "TYPE"));
    }
    out.accepted = accepting_prefix(line.substr(0, in));
    if (const auto stamp = kernel_stamp(line.substr(0, in))) {
        p.time = *stamp;
        out.has_time = true;
    }
    return out;
}

}  // namespace portwarden::watch

// nft JSON values -> the model's atoms and elements (numbers, ranges, prefixes, concatenations,
// anonymous sets), and the names nft gives protocols and TCP flags. See nft_json.cpp.
#include "firewall/nft_values.hpp"

#include <array>
#include <utility>

#include <fmt/format.h>

namespace portwarden::firewall::nft {
namespace {

Atom number_atom(std::uint64_t lo, std::uint64_t hi) {
    Atom a;
    a.kind = Atom::Kind::number;
    a.lo = lo;
    a.hi = hi;
    return a;
}

// The last address of a prefix: the host bits set.
Address prefix_last(const Address& first, unsigned len) {
    const auto bytes = first.bytes();
    std::array<std::uint8_t, 16> out{};
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        const unsigned bit0 = static_cast<unsigned>(i) * 8;
        std::uint8_t keep = 0xff;
        if (len <= bit0) {
            keep = 0;
        } else if (len < bit0 + 8) {
            keep = static_cast<std::uint8_t>(0xff << (8 - (len - bit0)));
        }
        out[i] = static_cast<std::uint8_t>(bytes[i] | static_cast<std::uint8_t>(~keep));
    }
    if (first.is_v4()) {
        return Address::from_v4((std::uint32_t{out[0]} << 24) | (std::uint32_t{out[1]} << 16) |
                                (std::uint32_t{out[2]} << 8) | out[3]);
    }
    return Address::from_v6(out);
}

Result<Atom> scalar_atom(const Json& v) {
    if (v.is_number_unsigned()) {
        const auto n = v.get<std::uint64_t>();
        return number_atom(n, n);
    }
    if (v.is_string()) {
        const auto text = v.get<std::string>();
        if (auto a = Address::parse(text)) {
            Atom atom;
            atom.kind = Atom::Kind::address;
            atom.first = *a;
            atom.last = *a;
            return atom;
        }
        Atom atom;
        atom.kind = Atom::Kind::name;
        atom.name = text;
        return atom;
    }
    return fail(fmt::format("unsupported value {}", text_of(v)));
}

Result<Atom> atom(const Json& v) {
    if (v.is_object() && v.contains("range") && v["range"].is_array() && v["range"].size() == 2) {
        auto lo = scalar_atom(v["range"][0]);
        auto hi = scalar_atom(v["range"][1]);
        if (!lo || !hi) {
            return fail(lo ? hi.error().message : lo.error().message);
        }
        if (lo->kind != hi->kind || lo->kind == Atom::Kind::name) {
            return fail(fmt::format("unsupported range {}", text_of(v)));
        }
        lo->hi = hi->lo;
        lo->last = hi->first;
        return lo;
    }
    if (v.is_object() && v.contains("prefix")) {
        const Json& p = v["prefix"];
        const auto a = p.is_object() && p.value("addr", Json()).is_string()
                           ? Address::parse(p["addr"].get<std::string>()) : std::nullopt;
        const Json len = p.is_object() ? p.value("len", Json()) : Json();
        if (!a || !len.is_number_unsigned() || len.get<unsigned>() > (a->is_v4() ? 32U : 128U)) {
            return fail(fmt::format("bad prefix {}", text_of(v)));
        }
        Atom out;
        out.kind = Atom::Kind::address;
        out.first = *a;
        out.last = prefix_last(*a, len.get<unsigned>());
        return out;
    }
    return scalar_atom(v);
}

template <class T>
Result<void> push(std::vector<T>& out, Result<T> r) {
    if (!r) {
        return tl::unexpected(r.error());
    }
    out.push_back(std::move(*r));
    return {};
}

}  // namespace

Result<Element> element(const Json& v) {
    const Json& inner = v.is_object() && v.contains("elem") ? v["elem"].value("val", Json()) : v;
    const bool concat = inner.is_object() && inner.contains("concat") && inner["concat"].is_array();
    Element out;
    for (const auto& part : concat ? inner["concat"] : Json::array({inner})) {
        if (auto ok = push(out, atom(part)); !ok) {
            return tl::unexpected(ok.error());
        }
    }
    return out;
}

Result<std::vector<Element>> elements(const Json& v) {
    const bool is_set = v.is_object() && v.contains("set");
    const Json& items = is_set ? v["set"] : v;
    std::vector<Element> out;
    for (const auto& item : items.is_array() ? items : Json::array({items})) {
        if (auto ok = push(out, element(item)); !ok) {
            return tl::unexpected(ok.error());
        }
    }
    return out;
}

std::optional<std::uint64_t> protocol_number(std::string_view name) {
    static constexpr std::array<std::pair<std::string_view, std::uint64_t>, 9> names{{
        {"icmp", 1}, {"igmp", 2}, {"tcp", 6}, {"udp", 17}, {"ipv6-icmp", 58}, {"icmpv6", 58},
        {"udplite", 136}, {"sctp", 132}, {"dccp", 33},
    }};
    for (const auto& [n, v] : names) {
        if (n == name) {
            return v;
        }
    }
    return std::nullopt;
}

std::optional<std::uint64_t> tcp_flag_bits(std::string_view name) {
    static constexpr std::array<std::pair<std::string_view, std::uint64_t>, 8> names{{
        {"fin", 0x01}, {"syn", 0x02}, {"rst", 0x04}, {"psh", 0x08}, {"ack", 0x10}, {"urg", 0x20},
        {"ecn", 0x40}, {"cwr", 0x80},
    }};
    for (const auto& [n, v] : names) {
        if (n == name) {
            return v;
        }
    }
    return std::nullopt;
}

Result<std::uint64_t> flag_value(const Json& v) {
    if (v.is_number_unsigned()) {
        return v.get<std::uint64_t>();
    }
    if (v.is_string()) {
        if (auto b = tcp_flag_bits(v.get<std::string>())) {
            return *b;
        }
    }
    if (v.is_array()) {
        std::uint64_t bits = 0;
        for (const auto& item : v) {
            auto b = flag_value(item);
            if (!b) {
                return b;
            }
            bits |= *b;
        }
        return bits;
    }
    return fail(fmt::format("bad tcp flags {}", text_of(v)));
}

}  // namespace portwarden::firewall::nft

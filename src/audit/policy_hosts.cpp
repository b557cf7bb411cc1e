#include "audit/policy_hosts.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

#include "targets/dns_name.hpp"

namespace portwarden::audit::detail {
namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
    if (!out.empty() && out.back() == '.') {
        out.pop_back();
    }
    return out;
}

// The first (or last) address of the block of `prefix` bits around `a`.
Address block_end(const Address& a, unsigned prefix, bool last) {
    const auto bytes = a.bytes();
    std::array<std::uint8_t, 16> out{};
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        const unsigned bit = static_cast<unsigned>(i) * 8;
        unsigned keep = 0;
        if (prefix >= bit + 8) {
            keep = 8;
        } else if (prefix > bit) {
            keep = prefix - bit;
        }
        const auto mask = static_cast<std::uint8_t>(keep == 0 ? 0 : (0xFFU << (8 - keep)) & 0xFFU);
        out.at(i) = static_cast<std::uint8_t>(last ? (bytes[i] | static_cast<std::uint8_t>(~mask)) : (bytes[i] & mask));
    }
    if (a.is_v4()) {
        return Address::from_v4(static_cast<std::uint32_t>(out[0]) << 24 | static_cast<std::uint32_t>(out[1]) << 16 |
                                static_cast<std::uint32_t>(out[2]) << 8 | out[3]);
    }
    return Address::from_v6(out);
}

}  // namespace

Result<HostSpec> parse_host_spec(std::string_view text) {
    HostSpec spec;
    spec.text = std::string(text);
    const auto slash = text.find('/');
    const std::string_view addr_text = text.substr(0, slash);
    const auto address = Address::parse(addr_text);
    if (slash != std::string_view::npos) {
        if (!address) {
            return fail(fmt::format("bad host '{}': '{}' is not an IPv4 or IPv6 address", text, addr_text));
        }
        const std::string_view len_text = text.substr(slash + 1);
        unsigned prefix = 0;
        const auto [end, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), prefix);
        const unsigned max = address->is_v4() ? 32 : 128;
        if (ec != std::errc{} || end != len_text.data() + len_text.size() || len_text.empty() || prefix > max) {
            return fail(fmt::format("bad host '{}': prefix length must be 0-{}", text, max));
        }
        spec.first = block_end(*address, prefix, false);
        spec.last = block_end(*address, prefix, true);
        spec.is_block = true;
        return spec;
    }
    if (address) {
        spec.first = spec.last = *address;
        return spec;
    }
    if (auto problem = portwarden::detail::dns_name_problem(text)) {
        return fail(fmt::format("bad host '{}': not an address, a CIDR block or a host name ({})", text, *problem));
    }
    spec.is_name = true;
    spec.text = lower(text);
    return spec;
}

bool covers(const HostSpec& spec, const HostResult& host) {
    if (spec.is_name) {
        return !host.hostname.empty() && lower(host.hostname) == spec.text;
    }
    return spec.first <= host.address && host.address <= spec.last && spec.first.family() == host.address.family();
}

std::optional<std::string> overlap(const HostSpec& a, const HostSpec& b) {
    if (a.is_name || b.is_name) {
        if (a.is_name && b.is_name && a.text == b.text) {
            return fmt::format("both name {}", a.text);
        }
        return std::nullopt;
    }
    if (a.first.family() != b.first.family() || a.last < b.first || b.last < a.first) {
        return std::nullopt;
    }
    return fmt::format("{} overlaps {}", b.text, a.text);
}

}  // namespace portwarden::audit::detail

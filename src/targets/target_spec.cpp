#include "targets/target_spec.hpp"

#include <algorithm>
#include <cstdint>
#include <string>

#include <fmt/format.h>

#include "targets/dns_name.hpp"
#include "targets/ipv4_pattern.hpp"
#include "targets/u128.hpp"

namespace portwarden::detail {
namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// Only IPv4 range syntax characters: never a host name, never sent to a resolver.
bool looks_like_ipv4(std::string_view text) {
    return std::all_of(text.begin(), text.end(),
                       [](char c) { return is_digit(c) || c == '.' || c == ',' || c == '-' || c == '*'; });
}

tl::unexpected<Error> bad(std::string_view spec, std::string_view why) {
    return fail(fmt::format("bad target '{}': {}", spec, why));
}

Result<unsigned> parse_prefix(std::string_view spec, std::string_view text, unsigned max_bits) {
    if (text.empty()) {
        return bad(spec, "missing prefix length after '/'");
    }
    if (!std::all_of(text.begin(), text.end(), is_digit)) {
        return bad(spec, fmt::format("prefix length '{}' is not a number", text));
    }
    unsigned value = 0;
    for (const char c : text) {
        value = value * 10 + static_cast<unsigned>(c - '0');
        if (value > max_bits) {
            return bad(spec, fmt::format("prefix length {} > {}", text, max_bits));
        }
    }
    return value;
}

Result<void> check_count(std::string_view spec, std::string_view count, bool too_many,
                         const TargetParseOptions& options) {
    if (too_many) {
        return bad(spec, fmt::format("expands to {} addresses, more than the limit of {}", count,
                                     options.max_addresses));
    }
    return {};
}

Result<std::vector<TargetSet::Interval>> cidr_block(std::string_view spec, const Address& base, unsigned prefix,
                                                    const TargetParseOptions& options) {
    const unsigned bits = base.is_v4() ? 32U : 128U;
    const unsigned host_bits = bits - prefix;
    // 2^64 and more never fit max_addresses (a uint64).
    const bool huge = host_bits >= 64;
    const std::uint64_t count = huge ? 0 : std::uint64_t{1} << host_bits;
    if (auto ok = check_count(spec, pow2_decimal(host_bits), huge || count > options.max_addresses, options); !ok) {
        return tl::unexpected(ok.error());
    }
    const Address first = from_u128(base.family(), clear_low_bits(to_u128(base), host_bits));
    return std::vector<TargetSet::Interval>{TargetSet::Interval{first, count}};
}

Result<ParsedSpec> parse_ipv4(std::string_view spec, std::string_view base, std::optional<std::string_view> prefix,
                              const TargetParseOptions& options) {
    auto pattern = parse_ipv4_pattern(base);
    if (!pattern) {
        return bad(spec, pattern.error().message);
    }
    ParsedSpec parsed;
    if (prefix) {
        if (!pattern->is_single_address()) {
            return bad(spec, "a prefix length needs a single address, not octet ranges");
        }
        auto bits = parse_prefix(spec, *prefix, 32);
        if (!bits) {
            return tl::unexpected(bits.error());
        }
        auto block = cidr_block(spec, pattern->expand().front().first, *bits, options);
        if (!block) {
            return tl::unexpected(block.error());
        }
        parsed.intervals = std::move(*block);
        return parsed;
    }
    const std::uint64_t count = pattern->count();
    if (auto ok = check_count(spec, std::to_string(count), count > options.max_addresses, options); !ok) {
        return tl::unexpected(ok.error());
    }
    if (const std::uint64_t ranges = pattern->interval_count(); ranges > options.max_ranges) {
        return bad(spec, fmt::format("splits into {} separate ranges, more than the limit of {}", ranges,
                                     options.max_ranges));
    }
    parsed.intervals = pattern->expand();
    return parsed;
}

Result<ParsedSpec> parse_ipv6(std::string_view spec, std::string_view base, std::optional<std::string_view> prefix,
                              const TargetParseOptions& options) {
    const auto address = Address::parse(base);
    if (!address || address->is_v4()) {
        return bad(spec, "not a valid IPv6 address");
    }
    auto bits = prefix ? parse_prefix(spec, *prefix, 128) : Result<unsigned>(128U);
    if (!bits) {
        return tl::unexpected(bits.error());
    }
    auto block = cidr_block(spec, *address, *bits, options);
    if (!block) {
        return tl::unexpected(block.error());
    }
    ParsedSpec parsed;
    parsed.intervals = std::move(*block);
    return parsed;
}

Result<Address> resolve(std::string_view name, const TargetParseOptions& options) {
    if (!options.resolver) {
        return fail(fmt::format("cannot resolve '{}': host names are not accepted here", name));
    }
    auto addresses = options.resolver(std::string(name));
    if (!addresses) {
        const std::string& message = addresses.error().message;
        if (message.find(fmt::format("'{}'", name)) != std::string::npos) {
            return fail(message);
        }
        return fail(fmt::format("cannot resolve '{}': {}", name, message));
    }
    if (addresses->empty()) {
        return fail(fmt::format("cannot resolve '{}': no addresses", name));
    }
    return addresses->front();
}

Result<ParsedSpec> parse_hostname(std::string_view spec, std::string_view base, std::optional<std::string_view> prefix,
                                  const TargetParseOptions& options) {
    if (const auto problem = dns_name_problem(base)) {
        return bad(spec, *problem);
    }
    if (prefix) {
        // Check the syntax before resolving; the resolved family decides the upper bound.
        if (auto syntax = parse_prefix(spec, *prefix, 128); !syntax) {
            return tl::unexpected(syntax.error());
        }
    }
    auto address = resolve(base, options);
    if (!address) {
        return tl::unexpected(address.error());
    }
    const unsigned max_bits = address->is_v4() ? 32U : 128U;
    unsigned bits = max_bits;
    if (prefix) {
        auto parsed_bits = parse_prefix(spec, *prefix, max_bits);
        if (!parsed_bits) {
            return tl::unexpected(parsed_bits.error());
        }
        bits = *parsed_bits;
    }
    auto block = cidr_block(spec, *address, bits, options);
    if (!block) {
        return tl::unexpected(block.error());
    }
    ParsedSpec parsed;
    parsed.hostname = std::string(base);
    parsed.host_address = *address;
    parsed.intervals = std::move(*block);
    return parsed;
}

}  // namespace

Result<ParsedSpec> parse_target_spec(std::string_view spec, const TargetParseOptions& options) {
    if (spec.empty()) {
        return bad(spec, "empty target");
    }
    std::string_view base = spec;
    std::optional<std::string_view> prefix;
    if (const auto slash = spec.find('/'); slash != std::string_view::npos) {
        base = spec.substr(0, slash);
        prefix = spec.substr(slash + 1);
    }
    if (base.empty()) {
        return bad(spec, "missing address before '/'");
    }
    if (base.find(':') != std::string_view::npos) {
        return parse_ipv6(spec, base, prefix, options);
    }
    if (looks_like_ipv4(base)) {
        return parse_ipv4(spec, base, prefix, options);
    }
    return parse_hostname(spec, base, prefix, options);
}

}  // namespace portwarden::detail

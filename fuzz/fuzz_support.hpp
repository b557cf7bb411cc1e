#pragma once
// What every fuzz target shares: the input as text, and the fixed scan context the reply
// targets validate against (the corpus generator builds its replies with the same one).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "portwarden/firewall.hpp"
#include "techniques/technique.hpp"

namespace portwarden::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
    return size == 0 ? std::string_view{} : std::string_view(reinterpret_cast<const char*>(data), size);
}

inline techniques::ScanContext scan_context() {
    techniques::ScanContext c;
    c.key = net::SipKey{0x0123456789abcdefULL, 0xfedcba9876543210ULL};
    c.source_v4 = Address::parse("198.18.0.1");
    c.source_v6 = Address::parse("fd00::1");
    return c;
}

// What the firewall targets do with a ruleset that parsed: every rule's text, and the model's
// decision for a SYN to 198.18.0.1:22 and a UDP probe to [fd00::1]:53.
inline void exercise_ruleset(const firewall::Ruleset& rules) {
    for (const auto& chain : rules.chains) {
        for (const auto& rule : chain.rules) {
            (void)firewall::rule_text(rule);
        }
    }
    const firewall::Packet syn{std::nullopt, *Address::parse("198.18.0.1"), Proto::tcp, 22, std::nullopt, "", "", false};
    const firewall::Packet udp{std::nullopt, *Address::parse("fd00::1"), Proto::udp, 53, std::nullopt, "", "", false};
    (void)firewall::describe(firewall::decide(rules, syn, Technique::syn));
    (void)firewall::describe(firewall::decide(rules, udp, Technique::udp));
}

// A ruleset reader's target: parse the input, exercise what parsed.
using RulesetReader = Result<firewall::Ruleset> (*)(std::string_view, const std::string&);
inline int fuzz_ruleset(RulesetReader read, const std::uint8_t* data, std::size_t size) {
    const auto rules = read(as_text(data, size), "fuzz input");
    if (rules) {
        exercise_ruleset(*rules);
    }
    return 0;
}

}  // namespace portwarden::fuzz

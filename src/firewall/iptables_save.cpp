// iptables-save / ip6tables-save text -> the firewall model. Not written yet: every such file
// is refused with a message saying so (exit 2), never read as an empty ruleset.
#include <fmt/format.h>

#include "portwarden/firewall.hpp"

namespace portwarden::firewall {

Result<Ruleset> parse_iptables_save(std::string_view text, const std::string& source) {
    if (text.find("\n*filter") == std::string_view::npos && !text.starts_with("*filter") &&
        text.find("\nCOMMIT") == std::string_view::npos) {
        return fail(fmt::format("{}: neither nftables JSON (`nft -j list ruleset`) nor iptables-save text", source));
    }
    return fail(fmt::format("{}: iptables-save rulesets are not supported yet (use `nft -j list ruleset`)", source));
}

}  // namespace portwarden::firewall

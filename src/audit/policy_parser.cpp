#include "audit/policy_parser.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

namespace portwarden::audit::detail {

tl::unexpected<Error> PolicyParser::error(SourcePos pos, const std::string& message) const {
    return fail(fmt::format("{}:{}:{}: {}", path_, pos.line, pos.column, message));
}

Result<void> PolicyParser::check_keys(const toml::table& table, std::initializer_list<std::string_view> known,
                                        const std::string& where) const {
    for (auto&& [key, value] : table) {
        if (std::find(known.begin(), known.end(), key.str()) == known.end()) {
            std::string list;
            for (auto k : known) {
                list += (list.empty() ? "" : ", ") + std::string(k);
            }
            return error(pos_of(key.source()),
                         fmt::format("unknown key '{}' in {} (expected: {})", key.str(), where, list));
        }
    }
    return {};
}

Result<std::pair<Proto, std::uint16_t>> PolicyParser::port(const toml::node& node, const std::string& where) const {
    std::int64_t number = -1;
    Proto proto = Proto::tcp;
    if (const auto* i = node.as_integer()) {
        number = i->get();
    } else if (const auto* s = node.as_string()) {
        const std::string& text = s->get();
        const auto slash = text.find('/');
        const auto parsed = parse_proto(slash == std::string::npos ? "tcp" : text.substr(slash + 1));
        const auto [end, ec] = std::from_chars(text.data(), text.data() + std::min(slash, text.size()), number);
        if (!parsed || ec != std::errc{} || end != text.data() + std::min(slash, text.size())) {
            return error(node, fmt::format("{}.port: bad port '{}' (expected 22, \"22/tcp\" or \"53/udp\")",
                                           where, text));
        }
        proto = *parsed;
    } else {
        return error(node, fmt::format("{}.port must be a number or a string such as \"53/udp\"", where));
    }
    if (number < 1 || number > 65535) {
        return error(node, fmt::format("{}.port: port {} is out of range 1-65535", where, number));
    }
    return std::pair{proto, static_cast<std::uint16_t>(number)};
}

}  // namespace portwarden::audit::detail

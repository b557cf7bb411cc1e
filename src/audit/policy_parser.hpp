#pragma once
// What every part of the policy parser shares: FILE:LINE:COLUMN errors, key checks, ports.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include <toml++/toml.h>

#include "portwarden/audit.hpp"
#include "portwarden/error.hpp"

namespace portwarden::audit::detail {

inline SourcePos pos_of(const toml::source_region& r) { return SourcePos{r.begin.line, r.begin.column}; }

class PolicyParser {
public:
    explicit PolicyParser(const std::string& path) : path_(path) {}

    tl::unexpected<Error> error(SourcePos pos, const std::string& message) const;
    tl::unexpected<Error> error(const toml::node& node, const std::string& message) const {
        return error(pos_of(node.source()), message);
    }
    // Every key of `table` must be one of `known`.
    Result<void> check_keys(const toml::table& table, std::initializer_list<std::string_view> known,
                            const std::string& where) const;
    // 22, "22/tcp" or "53/udp".
    Result<std::pair<Proto, std::uint16_t>> port(const toml::node& node, const std::string& where) const;

private:
    const std::string& path_;
};

// The [[may_listen]] rules (`portwarden inventory --policy`), in file order.
Result<std::vector<ListenRule>> parse_may_listen(const PolicyParser& parser, const toml::node& node);

}  // namespace portwarden::audit::detail

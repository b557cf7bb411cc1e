#pragma once
// An IPv4 or IPv6 address held by value. Ordering: all IPv4 before all IPv6, then by bytes.
#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace portwarden {

enum class Family : std::uint8_t { v4, v6 };

class Address {
public:
    Address() = default;
    static Address from_v4(std::uint32_t host_order);
    static Address from_v6(const std::array<std::uint8_t, 16>& bytes);
    // Parses a numeric literal only ("198.18.0.1", "fd00::1"); never resolves names.
    static std::optional<Address> parse(std::string_view text);

    Family family() const { return family_; }
    bool is_v4() const { return family_ == Family::v4; }
    std::uint32_t v4() const;  // host order; only for is_v4()
    // 4 bytes for IPv4, 16 for IPv6, network order.
    std::span<const std::uint8_t> bytes() const {
        return std::span<const std::uint8_t>(bytes_).first(is_v4() ? 4 : 16);
    }
    std::string to_string() const;

    friend auto operator<=>(const Address&, const Address&) = default;

private:
    Family family_ = Family::v4;
    std::array<std::uint8_t, 16> bytes_{};
};

}  // namespace portwarden

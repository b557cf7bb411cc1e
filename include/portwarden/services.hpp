#pragma once
// Port number -> service name, as nmap prints it in the SERVICE column and XML <service name>.
// Loaded from nmap's services file when it is installed (so names match nmap and ndiff),
// else from /etc/services.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "portwarden/error.hpp"
#include "portwarden/state.hpp"

namespace portwarden {

class ServiceNames {
public:
    ServiceNames() = default;
    // Reads the first file that exists: /usr/share/nmap/nmap-services, /etc/services.
    static ServiceNames load_default();
    // Format: "name port/proto [frequency] [# comment]" (both files share it).
    static Result<ServiceNames> load_file(const std::string& path);
    static ServiceNames parse(std::string_view text);

    // Empty view when unknown.
    std::string_view name(std::uint16_t port, Proto proto) const;
    std::optional<std::uint16_t> port(std::string_view name, Proto proto) const;
    std::string source_path;  // which file was read (empty if none)

private:
    std::unordered_map<std::uint32_t, std::string> by_port_;
    std::unordered_map<std::string, std::uint16_t> tcp_by_name_;
    std::unordered_map<std::string, std::uint16_t> udp_by_name_;
};

}  // namespace portwarden

#pragma once
// Port number -> service name, as nmap prints it in the SERVICE column and XML <service name>.
// Loaded from nmap's services file when it is installed (so names match nmap and ndiff),
// else from /etc/services.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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
    // The ports of `proto` ranked by nmap-services' open-frequency column, most often open
    // first, equal frequencies by port number (nmap's own --top-ports order). Empty when the
    // file has no frequency column (/etc/services).
    std::span<const std::uint16_t> ranked(Proto proto) const {
        return proto == Proto::tcp ? ranked_tcp_ : ranked_udp_;
    }
    std::string source_path;  // which file was read (empty if none)

private:
    using NameIndex = std::vector<std::pair<std::uint32_t, std::uint16_t>>;  // (name offset, port)
    std::string_view name_at(std::uint32_t offset) const;
    std::string names_;                   // every name, each followed by a NUL
    // (proto << 16 | port, name offset), sorted by the key, the file's first name of a port only.
    // A sorted list, not a 2^17 table: only the ports the file names take memory (a 512 KB
    // table was zeroed for every parse; the fuzz target parses once per input).
    std::vector<std::pair<std::uint32_t, std::uint32_t>> by_port_;
    NameIndex tcp_by_name_;               // sorted by name (first occurrence of a name wins)
    NameIndex udp_by_name_;
    std::vector<std::uint16_t> ranked_tcp_;
    std::vector<std::uint16_t> ranked_udp_;
};

}  // namespace portwarden

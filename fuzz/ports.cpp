// Port specs (-p, --exclude-ports): nmap syntax with T:/U: prefixes and service names, looked up
// in a small services table.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "portwarden/ports.hpp"
#include "portwarden/services.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace portwarden;
    static const ServiceNames services = ServiceNames::parse(
        "ssh 22/tcp 0.18\nhttp 80/tcp 0.48\ndomain 53/udp 0.21\ndomain 53/tcp 0.04\nhttps 443/tcp 0.2\n");
    const auto text = fuzz::as_text(data, size);
    (void)parse_ports(text, PortProtocols{true, true}, &services);
    (void)parse_ports(text, PortProtocols{true, false}, nullptr);
    return 0;
}

// The services file (nmap-services, /etc/services) read by ServiceNames::parse.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "portwarden/services.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace portwarden;
    const auto names = ServiceNames::parse(fuzz::as_text(data, size));
    (void)names.name(22, Proto::tcp);
    (void)names.port("http", Proto::tcp);
    return 0;
}

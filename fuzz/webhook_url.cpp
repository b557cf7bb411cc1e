// audit --webhook URL, and the Host header and normalised URL (what libcurl is given) built
// from a URL that parses.
#include <cstddef>
#include <cstdint>

#include "audit/webhook.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace portwarden;
    const auto text = fuzz::as_text(data, size);
    if (const auto url = audit::parse_webhook_url(text)) {
        (void)audit::host_header(*url);
        (void)audit::webhook_url_text(*url);
    }
    return 0;
}

// History URLs (--history): which backend and which path a URL names.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "portwarden/history.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    (void)portwarden::parse_history_url(portwarden::fuzz::as_text(data, size));
    return 0;
}

// One firewall log line as `watch --log` reads it (watch::parse_log_line), each line of the input.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "portwarden/watch.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace portwarden;
    std::string_view text = fuzz::as_text(data, size);
    while (!text.empty()) {
        const auto end = text.find('\n');
        (void)watch::parse_log_line(text.substr(0, end));
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    }
    return 0;
}

// Timing values: nmap durations ("250ms", "1.5m", "30"), --scanflags and --shard I/N.
#include <cstddef>
#include <cstdint>
#include <string>

#include "cli/nmap_args.hpp"
#include "cli/resume_file.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace portwarden;
    const auto text = fuzz::as_text(data, size);
    (void)cli::parse_duration(text);
    (void)cli::parse_tcp_flags(text);
    (void)cli::parse_shard(std::string(text));
    return 0;
}

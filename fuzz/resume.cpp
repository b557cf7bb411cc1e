// Resume files (--resume): the plain format and the -oJ output's summary record.
#include <cstddef>
#include <cstdint>

#include "cli/resume_file.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    (void)portwarden::cli::parse_resume_text(portwarden::fuzz::as_text(data, size), "fuzz.resume",
                                             "0123456789abcdef");
    return 0;
}

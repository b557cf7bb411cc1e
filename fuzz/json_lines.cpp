// portwarden JSON Lines result files (-oJ), as audit --from, diff and report read them.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "portwarden/result_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    (void)portwarden::parse_json_lines(portwarden::fuzz::as_text(data, size), "fuzz.jsonl");
    return 0;
}

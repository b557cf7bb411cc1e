// Nmap XML result files (-oX, ours or nmap's), as audit --from, diff and report read them.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "portwarden/result_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    (void)portwarden::parse_nmap_xml(portwarden::fuzz::as_text(data, size), "fuzz.xml");
    return 0;
}

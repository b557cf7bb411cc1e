// iptables-save / ip6tables-save text (firewall::parse_iptables_save), then the model on what it
// read: every rule's text and a SYN and a UDP probe decided (fuzz_support.hpp).
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return portwarden::fuzz::fuzz_ruleset(portwarden::firewall::parse_iptables_save, data, size);
}

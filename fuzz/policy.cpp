// The audit policy (TOML), then its targets and port spec as the audit derives them.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "portwarden/audit.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace portwarden;
    const auto policy = audit::parse_policy(fuzz::as_text(data, size), "fuzz.toml");
    if (policy) {
        (void)audit::policy_targets(*policy);
        (void)audit::policy_port_spec(*policy);
    }
    return 0;
}

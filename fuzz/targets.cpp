// Target specs: the -iL list splitter, then each spec added to (and excluded from) a target set
// without a resolver (names are an error), and the set walked.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "portwarden/targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace portwarden;
    TargetParseOptions options;
    options.max_addresses = std::uint64_t{1} << 20;
    // Bounded like the CLI's limits but smaller, so one input sorts at most 4096 ranges (merging is the same code at any size).
    options.max_ranges = std::uint64_t{1} << 12;
    TargetSet set;
    const auto specs = split_target_list(fuzz::as_text(data, size));
    for (std::size_t i = 0; i < specs.size(); ++i) {
        // Every third spec is an exclusion, so subtraction is exercised too.
        if (i % 3 == 2) {
            (void)set.exclude(specs[i], options);
        } else {
            (void)set.add(specs[i], options);
        }
    }
    const std::uint64_t n = set.size();
    if (n > 0) {
        (void)set.at(0);
        (void)set.at(n - 1);
        (void)set.at(n / 2);
    }
    return 0;
}

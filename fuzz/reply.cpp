// Reply validation: every technique module's validate() (and a --scanflags module) on any raw
// IP packet that parses. The seed corpus holds real replies to probes of the fixed context
// (fuzz_support.hpp), so mutations reach past the cookie check.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "fuzz_support.hpp"
#include "net/packet_view.hpp"
#include "portwarden/classify.hpp"
#include "techniques/technique.hpp"

namespace {

using namespace portwarden;

std::vector<const techniques::Module*> all_modules() {
    static const auto custom = techniques::make_custom_flags_module(net::kTcpSyn | net::kTcpFin).value();
    std::vector<const techniques::Module*> modules;
    for (int t = 0; t < technique_count; ++t) {
        const auto technique = static_cast<Technique>(t);
        if (technique != Technique::connect) {
            modules.push_back(&techniques::module_for(technique));
        }
    }
    modules.push_back(custom.get());
    return modules;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const auto context = fuzz::scan_context();
    static const auto modules = all_modules();
    for (const auto link : {net::LinkType::raw_ip, net::LinkType::ethernet}) {
        const auto parsed = net::parse_frame(net::ConstBytes(data, size), link);
        if (!parsed) {
            continue;
        }
        for (const techniques::Module* module : modules) {
            if (const auto reply = module->validate(*parsed, context)) {
                (void)classify(module->technique(), reply->response);
            }
        }
    }
    return 0;
}

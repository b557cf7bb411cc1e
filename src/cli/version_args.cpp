#include "cli/version_args.hpp"

#include <fmt/format.h>

#include "cli/cli11_parse.hpp"

namespace portwarden::cli {

void define_version_flags(CLI::App& app, VersionArgs& v) {
    add_flags(app, {
        {"--service-version", &v.enabled, "-sV: probe open TCP and (with -sU) open or open|filtered UDP ports for service and version "
                                   "(nmap's probes, TLS too)"},
        {"--version-intensity", &v.intensity, "-sV: 0-9, probes of higher rarity are left out (default 7)"},
        {"--version-light", &v.light, "-sV: --version-intensity 2"},
        {"--version-all", &v.all, "-sV: --version-intensity 9"},
        {"--version-probes", &v.probes_file, "-sV: the probes file (default /usr/share/nmap/nmap-service-probes)"},
    });
}

Result<std::optional<VersionSetup>> build_version(const VersionArgs& v) {
    const bool tuned = v.intensity != -1 || v.light || v.all || !v.probes_file.empty();
    if (!v.enabled) {
        if (tuned) {
            return fail("--version-intensity, --version-light, --version-all and --version-probes need -sV");
        }
        return std::optional<VersionSetup>{};
    }
    if (static_cast<int>(v.intensity != -1) + static_cast<int>(v.light) + static_cast<int>(v.all) > 1) {
        return fail("give one of --version-intensity, --version-light, --version-all");
    }
    if (v.intensity != -1 && (v.intensity < 0 || v.intensity > 9)) {
        return fail(fmt::format("bad --version-intensity '{}': must be 0-9", v.intensity));
    }
    VersionOptions options;
    options.intensity = v.light ? 2 : v.all ? 9 : v.intensity != -1 ? v.intensity : 7;
    const std::string path = v.probes_file.empty() ? ServiceProbes::default_path() : v.probes_file;
    auto probes = ServiceProbes::load(path);
    if (!probes) {
        return fail(fmt::format("-sV: {}{}", probes.error().message,
                                v.probes_file.empty() ? " (-sV reads nmap's probes: install nmap)" : ""));
    }
    return std::optional<VersionSetup>{VersionSetup{std::move(*probes), options}};
}

}  // namespace portwarden::cli

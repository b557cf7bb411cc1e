#pragma once
// The -sV flags of `scan` (--service-version, --version-intensity, --version-light,
// --version-all, --version-probes FILE) and the probes file they load.
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "portwarden/error.hpp"
#include "portwarden/version.hpp"

namespace portwarden::cli {

struct VersionArgs {
    bool enabled = false;  // -sV
    int intensity = -1;    // --version-intensity; -1: not given
    bool light = false;    // --version-light (intensity 2)
    bool all = false;      // --version-all (intensity 9)
    std::string probes_file;
};

void define_version_flags(CLI::App& app, VersionArgs& v);

struct VersionSetup {
    ServiceProbes probes;
    VersionOptions options;
};

// nullopt without -sV; an error for a bad intensity, a missing nmap or a bad probes file.
Result<std::optional<VersionSetup>> build_version(const VersionArgs& v);

}  // namespace portwarden::cli

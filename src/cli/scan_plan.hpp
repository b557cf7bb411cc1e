#pragma once
// `scan`'s flags checked and turned into a ScanPlan: the request and runtime the scan runs with.
#include <cstdint>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/scan_args.hpp"

namespace portwarden::cli {

// A value, or the exit code to stop with (bad input, or -sL's end).
template <class T>
using OrExit = tl::expected<T, int>;

// The scan type: -s*, --scanflags, or the default (SYN when raw sockets are permitted).
struct ScanChoice {
    bool raw_permitted = false;
    bool technique_chosen = false;
    std::optional<std::uint8_t> scan_flags;
    Technique technique = Technique::connect;
    ScanTypes types;        // technique, and -sU with it
    bool raw_scan = false;  // raw packets: any type but -sT, and -sU also with -sT
};

// Everything the scan runs with, checked.
struct ScanPlan {
    ScanRequest request;
    ScanRuntime runtime;
    std::optional<VersionSetup> version;
    std::chrono::microseconds stats_interval{0};
    std::string fingerprint;  // the resume fingerprint, when computed
};

// The checks of the parsed flags that read nothing: the seed they give (0: none yet).
OrExit<std::uint64_t> check_flags(const CLI::App& app, ScanArgs& a, const ScanHooks& hooks);

OrExit<ScanChoice> choose_technique(const ScanArgs& a);

// The request from the flags, checked; with -sL the targets are listed here and the exit code returned.
OrExit<ScanPlan> plan_scan(ScanArgs& a, const ScanChoice& c, std::uint64_t seed, const std::string& command_line,
                           const ScanHooks& hooks, const ServiceLookup& services);

}  // namespace portwarden::cli

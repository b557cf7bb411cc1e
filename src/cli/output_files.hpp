#pragma once
// The set of writers a scan writes to: normal text on stdout (unless another format takes
// stdout with "-"), plus every -oN/-oX/-oG/-oJ/-oA file. Files are opened before the scan
// starts, so a bad path fails before any packet is sent.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "output/writer.hpp"
#include "portwarden/error.hpp"

namespace portwarden::cli {

struct OutputArgs {
    std::string xml;
    std::string json;
    std::string normal;
    std::string grepable;
    std::string all_base;
    bool reason = false;
    bool open_only = false;
    int verbosity = 0;
    bool stdout_report = true;  // false: nothing on stdout (the caller, `audit`, reports there)
};

class OutputSet {
public:
    static Result<OutputSet> open(const OutputArgs& args);
    OutputSet() = default;
    OutputSet(OutputSet&&) = default;
    OutputSet& operator=(OutputSet&&) = default;
    ~OutputSet();

    void begin(const output::RunInfo& run);
    void host(const HostResult& host);
    void end(const ScanSummary& summary);
    void abandon();  // close without a footer (the scan never started)

private:
    struct FileCloser {
        void operator()(std::FILE* f) const;
    };
    std::vector<std::unique_ptr<std::FILE, FileCloser>> files_;
    std::vector<std::unique_ptr<output::Writer>> writers_;
};

}  // namespace portwarden::cli

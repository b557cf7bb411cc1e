#pragma once
// The set of writers a scan writes to: normal text on stdout (unless another format takes
// stdout with "-"), plus every -oN/-oX/-oG/-oJ/-oA file.
//
// Files are opened before the scan starts (a bad path fails before any packet is sent, and a
// raw scan drops its privileges once its sockets are open), but neither truncated nor written
// until the scan has started: the first host or the end. A scan that cannot start (no route,
// ...) leaves a user's existing file as it was, and removes a file it created.
//
// Every write is checked where the writers flush (after each host, and at the end) and every
// close: a file that cannot be written is named on stderr with the error, written no further,
// and end() returns false (the scan exits 1). So is standard output; main() checks it again
// at exit for the other commands. Standard output whose reader went away (EPIPE: `| head`)
// is reader_gone(): the caller stops the scan, and the files are still ended and closed.
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
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
    std::string jsonl_open;  // --jsonl-open: open ports only, naabu's -json shape
    bool append = false;     // --append-output: add to the files instead of replacing them
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
    OutputSet& operator=(OutputSet&&) = delete;
    ~OutputSet();

    void begin(const output::RunInfo& run);  // stdout at once; the files with the first host
    // The scan runs (ScanCallbacks::started): existing files are emptied now, on a thread of
    // their own (a -p- host's 10 MB file takes ~3 ms), and written from the first host on.
    void started();
    void host(const HostResult& host);
    bool end(const ScanSummary& summary);  // false: a file could not be written (said on stderr)
    void abandon();  // the scan never started: old files untouched, files it created removed
    bool reader_gone() const { return reader_gone_; }  // standard output's reader closed the pipe

private:
    struct FileCloser {
        void operator()(std::FILE* f) const;
    };
    struct Output {
        std::string path;  // "-": standard output
        std::unique_ptr<std::FILE, FileCloser> file;
        std::unique_ptr<output::Writer> writer;
        bool created = false;  // this run created the file
        bool started = false;  // truncated and begun
        bool failed = false;   // a write failed: said once, written no further
    };
    void start_files();
    // Whether files[i] was emptied ahead: 0 done, an errno, -1 not tried. Filled by truncator_.
    int truncated_ahead(std::size_t i);
    std::vector<bool> created_flags() const;
    // Each writer not failed yet does `write`; its file is checked after.
    void write_each(const std::function<void(output::Writer&)>& write);
    void check(Output& out, int error);
    std::vector<Output> outputs_;
    std::optional<output::RunInfo> run_;
    bool ok_ = true;
    bool reader_gone_ = false;
    bool append_ = false;  // --append-output: files are never truncated
    std::shared_ptr<std::vector<int>> truncate_results_;  // per output, see truncated_ahead()
    std::thread truncator_;
};

}  // namespace portwarden::cli

#include "cli/output_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <system_error>
#include <utility>

#include <fmt/format.h>

namespace portwarden::cli {
namespace {

using Factory = std::unique_ptr<output::Writer> (*)(std::FILE*);
struct Wanted {
    std::string path;
    Factory make;
};

std::vector<Wanted> wanted_outputs(const OutputArgs& args) {
    std::vector<Wanted> wanted;
    if (!args.all_base.empty()) {
        wanted.push_back({args.all_base + ".nmap", &output::make_normal_file_writer});
        wanted.push_back({args.all_base + ".xml", &output::make_xml_writer});
        wanted.push_back({args.all_base + ".gnmap", &output::make_grepable_writer});
        wanted.push_back({args.all_base + ".jsonl", &output::make_json_writer});
    }
    for (const auto& [path, make] : {std::pair{args.normal, &output::make_normal_file_writer},
                                     std::pair{args.xml, &output::make_xml_writer},
                                     std::pair{args.grepable, &output::make_grepable_writer},
                                     std::pair{args.json, &output::make_json_writer},
                                     std::pair{args.jsonl_open, &output::make_open_jsonl_writer}}) {
        if (!path.empty()) {
            wanted.push_back({path, make});
        }
    }
    return wanted;
}

// Opened for writing, not truncated: O_EXCL tells whether this run created it.
struct Opened {
    int fd = -1;
    bool created = false;
};
// `append` (--append-output): every write goes to the end (O_APPEND).
Opened open_untruncated(const std::string& path, bool append) {
    const int mode = O_WRONLY | O_CLOEXEC | (append ? O_APPEND : 0);
    int fd = ::open(path.c_str(), mode | O_CREAT | O_EXCL, 0666);
    if (fd >= 0) {
        return {fd, true};
    }
    if (errno != EEXIST) {
        return {};
    }
    fd = ::open(path.c_str(), mode);
    if (fd < 0 && errno == ENOENT) {  // a dangling symbolic link: its target is created
        fd = ::open(path.c_str(), mode | O_CREAT, 0666);
        return {fd, fd >= 0};
    }
    return {fd, false};
}

// Only files this run did not create are emptied (a new one is empty), never with
// --append-output, and only regular files (not a FIFO, /dev/null or a terminal).
bool needs_truncation(int fd, bool created, bool append) {
    struct stat st {};
    return !created && !append && ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

void OutputSet::FileCloser::operator()(std::FILE* f) const {
    if (f != nullptr && f != stdout) {
        std::fclose(f);
    }
}

OutputSet::~OutputSet() {
    if (truncator_.joinable()) {
        truncator_.join();
    }
}

Result<OutputSet> OutputSet::open(const OutputArgs& args) {
    const std::vector<Wanted> wanted = wanted_outputs(args);
    bool stdout_taken = false;
    for (const Wanted& w : wanted) {
        if (w.path == "-") {
            if (stdout_taken) {
                return fail("only one output format can go to standard output ('-')");
            }
            stdout_taken = true;
        }
    }
    OutputSet set;
    set.append_ = args.append;
    if (stdout_taken && !args.stdout_report) {
        return fail("standard output carries the audit report; write scan results to files ('-oX FILE')");
    }
    if (!stdout_taken && args.stdout_report) {
        Output out;
        out.path = "-";
        out.file.reset(stdout);
        out.writer = output::make_text_writer(stdout);
        set.outputs_.push_back(std::move(out));
    }
    for (const Wanted& w : wanted) {
        Output out;
        out.path = w.path;
        out.file.reset(stdout);
        if (w.path != "-") {
            const Opened opened = open_untruncated(w.path, args.append);
            std::FILE* f = opened.fd >= 0 ? ::fdopen(opened.fd, args.append ? "a" : "w") : nullptr;
            if (f == nullptr) {
                const int error = errno;
                if (opened.fd >= 0) {
                    ::close(opened.fd);
                }
                if (opened.created) {
                    ::unlink(w.path.c_str());
                }
                set.abandon();
                return fail(fmt::format("cannot open '{}' for writing: {}", w.path, std::strerror(error)));
            }
            out.file.reset(f);
            out.created = opened.created;
        }
        out.writer = w.make(out.file.get());
        set.outputs_.push_back(std::move(out));
    }
    return set;
}

void OutputSet::check(Output& out, int error) {
    if (out.failed || std::ferror(out.file.get()) == 0) {
        return;
    }
    out.failed = true;
    ok_ = false;
    if (out.path == "-") {
        std::clearerr(stdout);  // said here, with its error; not again by main()
        if (error == EPIPE) {
            reader_gone_ = true;
            fmt::print(stderr, "portwarden: standard output was closed by its reader; scan stopped{}\n",
                       outputs_.size() > 1 ? ", the output files end with the hosts written so far" : "");
            return;
        }
        fmt::print(stderr, "portwarden: cannot write standard output: {}; the results shown are incomplete\n",
                   std::strerror(error != 0 ? error : EIO));
        return;
    }
    fmt::print(stderr, "portwarden: cannot write '{}': {}; its results are incomplete\n", out.path,
               std::strerror(error != 0 ? error : EIO));
}

void OutputSet::begin(const output::RunInfo& run) {
    run_ = run;
    for (Output& out : outputs_) {
        if (out.path == "-") {
            errno = 0;
            out.writer->begin(run);
            out.started = true;
            check(out, errno);
        }
    }
}

void OutputSet::started() {
    if (truncator_.joinable() || append_) {
        return;
    }
    std::vector<int> fds(outputs_.size(), -1);
    for (std::size_t i = 0; i < outputs_.size(); ++i) {
        const Output& out = outputs_[i];
        if (!out.started && !out.failed && out.path != "-") {
            fds[i] = ::fileno(out.file.get());
        }
    }
    truncate_results_ = std::make_shared<std::vector<int>>(outputs_.size(), -1);
    try {
        truncator_ = std::thread([fds, results = truncate_results_, append = append_, created = created_flags()] {
            for (std::size_t i = 0; i < fds.size(); ++i) {
                if (fds[i] >= 0 && needs_truncation(fds[i], created[i], append)) {
                    (*results)[i] = ::ftruncate(fds[i], 0) == 0 ? 0 : errno;
                }
            }
        });
    } catch (const std::system_error&) {  // no thread: each file is emptied at its first write
        truncate_results_.reset();
    }
}

std::vector<bool> OutputSet::created_flags() const {
    std::vector<bool> created;
    created.reserve(outputs_.size());
    for (const Output& out : outputs_) {
        created.push_back(out.created);
    }
    return created;
}

int OutputSet::truncated_ahead(std::size_t i) {
    if (truncator_.joinable()) {
        truncator_.join();
    }
    return truncate_results_ && i < truncate_results_->size() ? (*truncate_results_)[i] : -1;
}

void OutputSet::start_files() {
    for (std::size_t i = 0; i < outputs_.size(); ++i) {
        Output& out = outputs_[i];
        if (out.started || out.failed || !run_) {
            continue;
        }
        out.started = true;
        const int fd = ::fileno(out.file.get());
        const int ahead = truncated_ahead(i);
        if (ahead > 0 || (ahead < 0 && needs_truncation(fd, out.created, append_) && ::ftruncate(fd, 0) != 0)) {
            const int error = ahead > 0 ? ahead : errno;
            out.failed = true;
            ok_ = false;
            fmt::print(stderr, "portwarden: cannot write '{}': {}\n", out.path, std::strerror(error));
            continue;
        }
        errno = 0;
        out.writer->begin(*run_);
        check(out, errno);
    }
}

void OutputSet::write_each(const std::function<void(output::Writer&)>& write) {
    start_files();
    for (Output& out : outputs_) {
        if (!out.failed) {
            errno = 0;
            write(*out.writer);
            check(out, errno);
        }
    }
}

void OutputSet::host(const HostResult& host) {
    write_each([&](output::Writer& w) { w.host(host); });
}

bool OutputSet::end(const ScanSummary& summary) {
    write_each([&](output::Writer& w) { w.end(summary); });
    for (Output& out : outputs_) {
        out.writer.reset();
        std::FILE* f = out.file.release();
        if (f != stdout && std::fclose(f) != 0 && !out.failed) {
            ok_ = false;
            fmt::print(stderr, "portwarden: cannot write '{}': {}; its results are incomplete\n", out.path,
                       std::strerror(errno));
        }
    }
    outputs_.clear();
    return ok_;
}

void OutputSet::abandon() {
    if (truncator_.joinable()) {
        truncator_.join();
    }
    for (Output& out : outputs_) {
        out.writer.reset();
        out.file.reset();
        if (out.created && !out.started) {
            ::unlink(out.path.c_str());
        }
    }
    outputs_.clear();
}

}  // namespace portwarden::cli

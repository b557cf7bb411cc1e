#include "cli/output_files.hpp"

#include <cerrno>
#include <cstring>
#include <functional>

#include <fmt/format.h>

namespace portwarden::cli {

void OutputSet::FileCloser::operator()(std::FILE* f) const {
    if (f != nullptr && f != stdout) {
        std::fclose(f);
    }
}

OutputSet::~OutputSet() = default;

Result<OutputSet> OutputSet::open(const OutputArgs& args) {
    using Factory = std::unique_ptr<output::Writer> (*)(std::FILE*);
    struct Wanted {
        std::string path;
        Factory make;
    };
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
                                     std::pair{args.json, &output::make_json_writer}}) {
        if (!path.empty()) {
            wanted.push_back({path, make});
        }
    }
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
    if (stdout_taken && !args.stdout_report) {
        return fail("standard output carries the audit report; write scan results to files ('-oX FILE')");
    }
    if (!stdout_taken && args.stdout_report) {
        set.writers_.push_back(output::make_text_writer(stdout));
    }
    for (const Wanted& w : wanted) {
        std::FILE* f = w.path == "-" ? stdout : std::fopen(w.path.c_str(), "w");
        if (f == nullptr) {
            return fail(fmt::format("cannot open '{}' for writing: {}", w.path, std::strerror(errno)));
        }
        set.files_.emplace_back(f);
        set.writers_.push_back(w.make(f));
    }
    return set;
}

void OutputSet::begin(const output::RunInfo& run) {
    for (auto& w : writers_) {
        w->begin(run);
    }
}

void OutputSet::host(const HostResult& host) {
    for (auto& w : writers_) {
        w->host(host);
    }
}

void OutputSet::end(const ScanSummary& summary) {
    for (auto& w : writers_) {
        w->end(summary);
    }
    writers_.clear();
    files_.clear();
}

void OutputSet::abandon() {
    writers_.clear();
    files_.clear();
}

}  // namespace portwarden::cli

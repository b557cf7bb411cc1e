// A shard's result file and the checks that several make one scan (merge.hpp).
#include <charconv>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "portwarden/limits.hpp"
#include "portwarden/merge.hpp"
#include "portwarden/result_file.hpp"
#include "portwarden/targets.hpp"

namespace portwarden {
namespace {

Result<ShardLabel> json_label(std::string_view text, const std::string& path) {
    auto end = text.find_last_not_of(" \t\r\n");
    if (end == std::string_view::npos) {
        return fail(fmt::format("{}: the file is empty", path));
    }
    const auto begin = text.rfind('\n', end);
    const std::string_view last = text.substr(begin == std::string_view::npos ? 0 : begin + 1, end + 1 - (begin == std::string_view::npos ? 0 : begin + 1));
    const auto j = nlohmann::json::parse(last, nullptr, false);
    if (j.is_discarded() || !j.is_object() || j.value("type", "") != "summary") {
        return fail(fmt::format("{}: no summary record at the end: the shard did not finish", path));
    }
    const auto it = j.find("shard");
    if (it == j.end() || !it->is_object()) {
        return fail(fmt::format("{}: not a shard (its summary has no \"shard\": scan with --shard I/N or --scan-id)",
                                path));
    }
    ShardLabel l;
    try {
        l.scan_name = it->at("scan_id").get<std::string>();
        l.index = it->at("index").get<std::uint32_t>();
        l.count = it->at("count").get<std::uint32_t>();
        l.seed = it->at("seed").get<std::uint64_t>();
        l.technique = it->at("technique").get<std::string>();
    } catch (const nlohmann::json::exception&) {
        return fail(fmt::format("{}: the summary's \"shard\" record is malformed", path));
    }
    return l;
}

// "--flag V" or "--flag=V" in a command line split at spaces.
std::string flag_value(const std::vector<std::string>& words, std::string_view flag) {
    std::string value;
    for (std::size_t i = 0; i < words.size(); ++i) {
        if (words[i] == flag && i + 1 < words.size()) {
            value = words[i + 1];
        } else if (words[i].size() > flag.size() && words[i].starts_with(flag) && words[i][flag.size()] == '=') {
            value = words[i].substr(flag.size() + 1);
        }
    }
    return value;
}

template <class T>
bool number(std::string_view text, T& out) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc{} && end == text.data() + text.size();
}

Result<ShardLabel> xml_label(std::string_view text, const std::string& path) {
    pugi::xml_document doc;
    if (!doc.load_buffer(text.data(), text.size())) {
        return fail(fmt::format("{}: not well-formed XML: the shard did not finish", path));
    }
    const pugi::xml_node run = doc.child("nmaprun");
    if (!run.child("runstats")) {
        return fail(fmt::format("{}: no <runstats>: the shard did not finish", path));
    }
    std::vector<std::string> words;
    std::istringstream in(run.attribute("args").as_string());
    for (std::string w; in >> w;) {
        words.push_back(w);
    }
    ShardLabel l;
    l.scan_name = flag_value(words, "--scan-id");
    l.technique = run.child("scaninfo").attribute("type").as_string();
    const std::string shard = flag_value(words, "--shard");
    const std::string seed = flag_value(words, "--seed");
    const auto slash = shard.find('/');
    if (shard.empty() && l.scan_name.empty()) {
        return fail(fmt::format("{}: not a shard (its command line has neither --shard nor --scan-id)", path));
    }
    if (!shard.empty() && (slash == std::string::npos || !number(std::string_view(shard).substr(0, slash), l.index) ||
                           !number(std::string_view(shard).substr(slash + 1), l.count))) {
        return fail(fmt::format("{}: bad --shard '{}' in its command line", path, shard));
    }
    if (!seed.empty() && !number(std::string_view(seed), l.seed)) {
        return fail(fmt::format("{}: bad --seed '{}' in its command line", path, seed));
    }
    if (seed.empty()) {
        if (l.scan_name.empty()) {
            return fail(fmt::format("{}: its command line has no --seed (nor --scan-id): shards with "
                                    "random seeds do not split one scan",
                                    path));
        }
        l.seed = seed_for_scan_name(l.scan_name);
    }
    return l;
}

std::string describe(const ShardFile& f) {
    return fmt::format("{} (scan id '{}', shard {}/{}, seed {}, {})", f.path, f.label.scan_name, f.label.index,
                       f.label.count, f.label.seed, f.label.technique);
}

}  // namespace

Result<ShardFile> read_shard_file(const std::string& path) {
    auto text = read_text_file(path, kResultFileLimits);
    if (!text) {
        return tl::unexpected(text.error());
    }
    const auto start = text->find_first_not_of(" \t\r\n");
    const bool xml = start != std::string::npos && (*text)[start] == '<';
    auto label = xml ? xml_label(*text, path) : json_label(*text, path);
    if (!label) {
        return tl::unexpected(label.error());
    }
    if (label->count == 0 || label->index >= label->count) {
        return fail(fmt::format("{}: bad shard {}/{}", path, label->index, label->count));
    }
    auto hosts = parse_result_text(*text, path);
    if (!hosts) {
        return tl::unexpected(hosts.error());
    }
    return ShardFile{path, std::move(*label), std::move(*hosts)};
}

Result<void> check_shard_set(const std::vector<ShardFile>& files, std::vector<std::uint32_t>& missing) {
    if (files.empty()) {
        return fail("no shard files");
    }
    const ShardLabel& first = files.front().label;
    std::map<std::uint32_t, const ShardFile*> by_index;
    for (const ShardFile& f : files) {
        const ShardLabel& l = f.label;
        if (l.scan_name != first.scan_name || l.count != first.count || l.seed != first.seed ||
            l.technique != first.technique) {
            return fail(fmt::format("shards of different scans: {} and {}", describe(files.front()), describe(f)));
        }
        auto [at, fresh] = by_index.try_emplace(l.index, &f);
        if (!fresh) {
            return fail(fmt::format("overlapping shards: {} and {} are both shard {}/{}", at->second->path, f.path,
                                    l.index, l.count));
        }
    }
    missing.clear();
    for (std::uint32_t i = 0; i < first.count; ++i) {
        if (!by_index.contains(i)) {
            missing.push_back(i);
        }
    }
    return {};
}

}  // namespace portwarden

#include "cli/resume_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <charconv>
#include <cstdint>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "io/privileges.hpp"
#include "net/cookie.hpp"
#include "portwarden/targets.hpp"

namespace portwarden::cli {

namespace {

constexpr std::string_view kMagic = "portwarden-resume 1";
constexpr std::string_view kMismatch =
    "the resume point is for another scan (targets, ports, technique or shard differ) or its seed, group or "
    "position were changed";

template <typename T>
bool parse_number(std::string_view text, T& out) {
    const auto* end = text.data() + text.size();
    const auto r = std::from_chars(text.data(), end, out);
    return r.ec == std::errc{} && r.ptr == end && !text.empty();
}

bool write_all(int fd, std::string_view text) {
    while (!text.empty()) {
        const ssize_t n = ::write(fd, text.data(), text.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        text.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

// A new file in $TMPDIR (else /tmp) holding `text`; its path, or nothing.
std::optional<std::string> write_temporary(const std::string& text) {
    const char* tmpdir = std::getenv("TMPDIR");
    std::string name = fmt::format("{}/portwarden.resume.XXXXXX", tmpdir != nullptr && *tmpdir == '/' ? tmpdir : "/tmp");
    const int fd = ::mkstemp(name.data());
    if (fd < 0) {
        return std::nullopt;
    }
    const bool ok = write_all(fd, text);
    if (::close(fd) != 0 || !ok) {
        ::unlink(name.c_str());
        return std::nullopt;
    }
    return name;
}

// `path` replaced by a new file holding `text`: written under a fresh name beside it, then
// renamed over it. The rename replaces a symbolic link planted at `path`, never its target
// (and in a sticky directory it is refused for another user's name). 0 or the errno.
int replace_file(const std::string& path, const std::string& text) {
    std::string name = path + ".XXXXXX";
    const int fd = ::mkstemp(name.data());
    if (fd < 0) {
        return errno;
    }
    int error = write_all(fd, text) ? 0 : errno;
    if (::close(fd) != 0 && error == 0) {
        error = errno;
    }
    if (error == 0 && ::rename(name.c_str(), path.c_str()) != 0) {
        error = errno;
    }
    if (error != 0) {
        ::unlink(name.c_str());
    }
    return error;
}

}  // namespace

bool io_can_use_raw_sockets() { return io::can_use_raw_sockets(); }

Result<std::pair<std::uint32_t, std::uint32_t>> parse_shard(const std::string& text) {
    const auto slash = text.find('/');
    std::uint32_t index = 0;
    std::uint32_t count = 0;
    if (slash == std::string::npos || !parse_number(std::string_view(text).substr(0, slash), index) ||
        !parse_number(std::string_view(text).substr(slash + 1), count) || count == 0 || count > 65536 ||
        index >= count) {
        return fail(fmt::format("bad --shard '{}': expected I/N with 0 <= I < N, e.g. 0/4", text));
    }
    return std::pair{index, count};
}

std::string scan_fingerprint(const ScanRequest& request) {
    std::ostringstream text;
    text << to_string(request.technique) << (request.with_udp ? "+udp" : "") << ';' << request.shard_index << '/' << request.shard_count << ';'
         << (request.skip_host_discovery ? "Pn" : "ping") << ';' << (request.randomize_ports ? "rand" : "seq") << ';';
    if (request.ping_only) {
        text << "sn;";
    }
    const auto& d = request.discovery;
    text << "P" << d.icmp_echo << d.icmp_timestamp << d.arp << d.ignore_rst;
    for (const auto* list : {&d.syn_ports, &d.ack_ports, &d.udp_ports}) {
        text << '/';
        for (const auto p : *list) {
            text << p << ',';
        }
    }
    text << ';';
    if (request.scan_flags) {
        text << "flags" << unsigned{*request.scan_flags} << ';';
    }
    // The port lists (65 535 entries with -p-) are appended directly: the same text as
    // `text << 'T' << p << ','`, without a stream insertion per piece.
    std::string s = text.str();
    s.reserve(s.size() + 7 * (request.ports.tcp.size() + request.ports.udp.size()));
    for (const auto& [letter, list] : {std::pair{'T', &request.ports.tcp}, std::pair{'U', &request.ports.udp}}) {
        for (const std::uint16_t p : *list) {
            std::array<char, 8> digits{};
            const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), p).ptr;
            s += letter;
            s.append(digits.data(), end);
            s += ',';
        }
    }
    std::ostringstream tail;
    for (const auto& interval : request.targets.intervals()) {
        tail << interval.first.to_string() << '+' << interval.count << ',';
    }
    s += tail.str();
    std::vector<std::uint8_t> bytes(s.begin(), s.end());
    return fmt::format("{:016x}", net::siphash24(net::SipKey{0x7077617264656e31ULL, 0x726573756d650a00ULL}, bytes));
}

std::string resume_seal(const std::string& fingerprint, std::uint64_t seed, const ResumePoint& point) {
    const std::string text = fmt::format("{};{};{};{}", fingerprint, seed, point.group, point.position);
    const std::vector<std::uint8_t> bytes(text.begin(), text.end());
    return fmt::format("{:016x}", net::siphash24(net::SipKey{0x7077617264656e32ULL, 0x7365616c65640a00ULL}, bytes));
}

std::string format_resume_file(const std::string& fingerprint, std::uint64_t seed, const ResumePoint& point) {
    return fmt::format("{}\nfingerprint={}\nseed={}\ngroup={}\nposition={}\n", kMagic,
                       resume_seal(fingerprint, seed, point), seed, point.group, point.position);
}

namespace {

// Calls `each(line, number)` for every line of `text` (without its '\n') until it returns an error.
template <typename Each>
Result<void> for_each_line(std::string_view text, Each each) {
    std::size_t start = 0;
    int number = 0;
    while (start < text.size()) {
        const auto nl = std::min(text.find('\n', start), text.size());
        if (auto r = each(text.substr(start, nl - start), ++number); !r) {
            return r;
        }
        start = nl + 1;
    }
    return {};
}

// The "resume" object of the summary record of our JSON Lines output (-oJ).
Result<ResumeState> parse_resume_json(std::string_view text, const std::string& path, const std::string& fingerprint) {
    std::optional<nlohmann::json> resume;
    int resume_line = 0;
    auto lines = for_each_line(text, [&](std::string_view line, int number) -> Result<void> {
        const auto j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_discarded()) {
            return fail(fmt::format("{}:{}: not JSON", path, number));
        }
        const auto type = j.is_object() ? j.find("type") : j.end();
        if (type != j.end() && *type == "summary" && j.contains("resume")) {
            resume = j["resume"];
            resume_line = number;
        }
        return {};
    });
    if (!lines) {
        return tl::unexpected(lines.error());
    }
    if (!resume) {
        return fail(fmt::format("{}: no resume point in this output (the scan was not interrupted)", path));
    }
    // Numbers must be unsigned integers: get<std::uint64_t>() on 5e30 is undefined behaviour.
    const auto number = [&](const char* key) -> std::optional<std::uint64_t> {
        const auto it = resume->is_object() ? resume->find(key) : resume->end();
        return it != resume->end() && it->is_number_unsigned() ? std::optional(it->get<std::uint64_t>()) : std::nullopt;
    };
    const auto print = resume->is_object() ? resume->find("fingerprint") : resume->end();
    const auto seed = number("seed");
    const auto group = number("group");
    const auto position = number("position");
    if (print == resume->end() || !print->is_string() || !seed || !group || !position) {
        return fail(fmt::format("{}:{}: malformed resume object", path, resume_line));
    }
    const ResumeState state{*seed, ResumePoint{*group, *position}};
    if (print->get<std::string>() != resume_seal(fingerprint, state.seed, state.point)) {
        return fail(fmt::format("{}:{}: {}", path, resume_line, kMismatch));
    }
    return state;
}

// The sealed fingerprint line of the plain format, checked once every value is read.
struct Sealed {
    std::string value;
    int line = 0;
};

// One "key=value" line of the plain format into `state`; `have` marks the keys seen.
Result<void> resume_line(std::string_view line, int number, const std::string& path, ResumeState& state,
                         Sealed& sealed, std::array<bool, 4>& have) {
    const auto eq = line.find('=');
    const std::string_view key = line.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? std::string_view{} : line.substr(eq + 1);
    bool ok = eq != std::string_view::npos;
    if (ok && key == "fingerprint") {
        sealed = Sealed{std::string(value), number};
        have[0] = true;
    } else if (ok && key == "seed") {
        ok = parse_number(value, state.seed);
        have[1] = ok;
    } else if (ok && key == "group") {
        ok = parse_number(value, state.point.group);
        have[2] = ok;
    } else if (ok && key == "position") {
        ok = parse_number(value, state.point.position);
        have[3] = ok;
    } else {
        ok = false;
    }
    if (!ok) {
        return fail(fmt::format("{}:{}: bad line '{}'", path, number, line));
    }
    return {};
}

}  // namespace

Result<ResumeState> parse_resume_text(std::string_view text, const std::string& path, const std::string& fingerprint) {
    if (text.starts_with('{')) {
        return parse_resume_json(text, path, fingerprint);
    }
    ResumeState state;
    std::array<bool, 4> have{};
    Sealed sealed;
    bool magic = false;
    auto lines = for_each_line(text, [&](std::string_view line, int number) -> Result<void> {
        if (number == 1) {
            magic = line == kMagic;
            if (!magic) {
                return fail(fmt::format("{}:1: not a portwarden resume file", path));
            }
            return {};
        }
        return resume_line(line, number, path, state, sealed, have);
    });
    if (!lines) {
        return tl::unexpected(lines.error());
    }
    if (!magic || !have[0] || !have[1] || !have[2] || !have[3]) {
        return fail(fmt::format("{}: incomplete resume file (needs fingerprint, seed, group, position)", path));
    }
    if (sealed.value != resume_seal(fingerprint, state.seed, state.point)) {
        return fail(fmt::format("{}:{}: {}", path, sealed.line, kMismatch));
    }
    return state;
}

Result<ResumeState> read_resume_file(const std::string& path, const std::string& fingerprint) {
    // The file is ours (four lines) or an -oJ output, which may be as large as any result file.
    auto text = read_text_file(path, kResultFileLimits);
    if (!text) {
        return fail(fmt::format("--resume: {}", text.error().message));
    }
    return parse_resume_text(*text, path, fingerprint);
}

ResumeTarget::ResumeTarget(std::string path, bool json_output) : path_(std::move(path)), json_output_(json_output) {
    // Only this user's own regular file with no other name: never a symbolic link (O_NOFOLLOW),
    // a FIFO or device (O_NONBLOCK, then S_ISREG), nor a hard link planted to someone's file.
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    struct stat st {};
    if (fd_ >= 0 && (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1 || st.st_uid != ::geteuid())) {
        ::close(fd_);
        fd_ = -1;
    }
}

ResumeTarget::~ResumeTarget() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

void ResumeTarget::report(const std::string& fingerprint, std::uint64_t seed, const ResumePoint& point) const {
    const std::string text = format_resume_file(fingerprint, seed, point);
    int error = 0;
    if (fd_ >= 0) {
        error = ::ftruncate(fd_, 0) == 0 && write_all(fd_, text) ? 0 : errno;
    } else {
        error = replace_file(path_, text);
    }
    if (error == 0) {
        fmt::print(stderr, "portwarden: resume point written to {}; finish with the same arguments plus --resume {}\n",
                   path_, path_);
        return;
    }
    // Typically: started as root, now running as nobody in a directory only root can write.
    if (const auto elsewhere = write_temporary(text)) {
        fmt::print(stderr,
                   "portwarden: cannot write {} ({}); resume point written to {} instead; finish with the same "
                   "arguments plus --resume {}\n",
                   path_, std::strerror(error), *elsewhere, *elsewhere);
        return;
    }
    fmt::print(stderr, "portwarden: cannot write {} ({}); {}save these lines to a file and pass it to --resume: {}\n",
               path_, std::strerror(error), json_output_ ? "resume from the -oJ output, or " : "",
               text);
}

}  // namespace portwarden::cli

// The resume file of an interrupted raw scan: written without following a planted symbolic
// link, and read back only when it still matches the scan.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <fmt/format.h>

#include "cli/resume_file.hpp"

namespace fs = std::filesystem;
using portwarden::ResumePoint;
using portwarden::cli::ResumeTarget;

namespace {

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

struct TempDir {
    fs::path path;
    TempDir() {
        std::string name = (fs::temp_directory_path() / "pw-resume-XXXXXX").string();
        path = ::mkdtemp(name.data());
    }
    ~TempDir() { fs::remove_all(path); }
};

}  // namespace

TEST(ResumeFile, PlantedSymlinkIsReplacedNotFollowed) {
    const TempDir dir;
    const fs::path victim = dir.path / "victim";
    std::ofstream(victim) << "someone's file\n";
    const fs::path resume = dir.path / "portwarden.resume";
    fs::create_symlink(victim, resume);  // there before the scan starts
    const ResumeTarget target(resume.string(), false);
    target.report("0123456789abcdef", 42, ResumePoint{1, 2});
    EXPECT_EQ(slurp(victim), "someone's file\n");
    EXPECT_FALSE(fs::is_symlink(resume));
    EXPECT_EQ(slurp(resume).rfind("portwarden-resume", 0), 0U);
}

TEST(ResumeFile, SymlinkPlantedDuringTheScanIsReplacedNotFollowed) {
    const TempDir dir;
    const fs::path victim = dir.path / "victim";
    std::ofstream(victim) << "someone's file\n";
    const fs::path resume = dir.path / "portwarden.resume";
    const ResumeTarget target(resume.string(), false);  // nothing there yet
    fs::create_symlink(victim, resume);
    target.report("0123456789abcdef", 42, ResumePoint{1, 2});
    EXPECT_EQ(slurp(victim), "someone's file\n");
    EXPECT_FALSE(fs::is_symlink(resume));
    EXPECT_EQ(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator{}), 2);  // no temporary left
}

TEST(ResumeFile, PlantedHardLinkIsNotWrittenThrough) {
    const TempDir dir;
    const fs::path victim = dir.path / "victim";
    std::ofstream(victim) << "someone's file\n";
    const fs::path resume = dir.path / "portwarden.resume";
    fs::create_hard_link(victim, resume);
    const ResumeTarget target(resume.string(), false);
    target.report("0123456789abcdef", 42, ResumePoint{1, 2});
    EXPECT_EQ(slurp(victim), "someone's file\n");
    EXPECT_EQ(slurp(resume).rfind("portwarden-resume", 0), 0U);
}

TEST(ResumeFile, OwnExistingFileIsRewritten) {
    const TempDir dir;
    const fs::path resume = dir.path / "portwarden.resume";
    std::ofstream(resume) << "an older resume point that is much longer than the new one ..........\n";
    const ResumeTarget target(resume.string(), false);
    target.report("0123456789abcdef", 42, ResumePoint{1, 2});
    EXPECT_EQ(slurp(resume), portwarden::cli::format_resume_file("0123456789abcdef", 42, ResumePoint{1, 2}));
}

namespace {

// The resume file `format_resume_file` writes, with `from` replaced by `to`.
fs::path written_with(const TempDir& dir, const std::string& from, const std::string& to) {
    std::string text = portwarden::cli::format_resume_file("0123456789abcdef", 42, ResumePoint{1, 2});
    if (!from.empty()) {
        text.replace(text.find(from), from.size(), to);
    }
    const fs::path p = dir.path / "r";
    std::ofstream(p) << text;
    return p;
}

}  // namespace

TEST(ResumeFile, ReadBackForTheSameScan) {
    const TempDir dir;
    const auto state = portwarden::cli::read_resume_file(written_with(dir, "", "").string(), "0123456789abcdef");
    ASSERT_TRUE(state) << state.error().message;
    EXPECT_EQ(state->seed, 42U);
    EXPECT_EQ(state->point, (ResumePoint{1, 2}));
}

TEST(ResumeFile, TamperedOrForeignIsRefused) {
    const TempDir dir;
    for (const auto& [from, to] : {std::pair{"seed=42", "seed=43"}, std::pair{"position=2", "position=999999"},
                                   std::pair{"group=1", "group=7"}}) {
        const auto state = portwarden::cli::read_resume_file(written_with(dir, from, to).string(), "0123456789abcdef");
        ASSERT_FALSE(state) << to;
        EXPECT_NE(state.error().message.find(":2: the resume point is for another scan"), std::string::npos)
            << state.error().message;
    }
    EXPECT_FALSE(portwarden::cli::read_resume_file(written_with(dir, "", "").string(), "fedcba9876543210"));
}

TEST(ResumeFile, TamperedJsonResumeObjectIsRefused) {
    const TempDir dir;
    const std::string seal = portwarden::cli::resume_seal("0123456789abcdef", 42, ResumePoint{1, 2});
    const fs::path p = dir.path / "o.jsonl";
    const auto line = [&](int seed) {
        return fmt::format(R"({{"type":"summary","resume":{{"fingerprint":"{}","seed":{},"group":1,"position":2}}}})",
                           seal, seed);
    };
    std::ofstream(p) << line(42) << "\n";
    EXPECT_TRUE(portwarden::cli::read_resume_file(p.string(), "0123456789abcdef"));
    std::ofstream(p) << line(43) << "\n";
    const auto state = portwarden::cli::read_resume_file(p.string(), "0123456789abcdef");
    ASSERT_FALSE(state);
    EXPECT_NE(state.error().message.find(":1: the resume point is for another scan"), std::string::npos);
}

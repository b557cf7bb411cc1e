// The resume file of an interrupted raw scan: written without following a planted symbolic
// link, and read back only when it still matches the scan.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

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

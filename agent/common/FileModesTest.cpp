#include "common/FileModes.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "ScopedUmask.h"
#include "TempDir.h"

namespace safefarm::files {
namespace {

namespace fs = std::filesystem;
using test::modeOf;

gid_t groupOf(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0 ? st.st_gid : static_cast<gid_t>(-1);
}

// A group the test may give its files other than its own: any as root, a
// supplementary one otherwise (none: the group part is skipped).
std::optional<gid_t> otherGroup() {
    if (::geteuid() == 0) return ::getegid() + 4242;
    gid_t groups[64];
    int n = ::getgroups(64, groups);
    for (int i = 0; i < n; ++i)
        if (groups[i] != ::getegid()) return groups[i];
    return std::nullopt;
}

class FileModesTest : public ::testing::Test {
protected:
    test::TempDir tmp_{"sf-modes"};
    const std::string dir_ = tmp_.str();
    test::ScopedUmask umask_{0};  // the most permissive: modes come from the code
};

TEST_F(FileModesTest, FoldersItCreatesAre0750AndOnesThatExistAreLeftAlone) {
    ::chmod(dir_.c_str(), 0711);
    ASSERT_TRUE(makeFolders(dir_ + "/a/b/c", kFolderMode, std::nullopt).ok());
    EXPECT_EQ(modeOf(dir_), "711");
    EXPECT_EQ(modeOf(dir_ + "/a"), "750");
    EXPECT_EQ(modeOf(dir_ + "/a/b/c"), "750");
    ASSERT_TRUE(makeFolders(dir_ + "/a/b/c").ok());  // all there: nothing to do
    std::ofstream(dir_ + "/file") << "x";
    EXPECT_FALSE(makeFolders(dir_ + "/file/d").ok());
}

TEST_F(FileModesTest, FilesGetTheirModeWhateverTheUmaskAndWhatTheyHadBefore) {
    ASSERT_TRUE(writeFile(dir_ + "/state", "1\n", kFileMode, std::nullopt).ok());
    EXPECT_EQ(modeOf(dir_ + "/state"), "640");
    // An older safed's 0644 file is brought in line when it is written again.
    ::chmod((dir_ + "/state").c_str(), 0666);
    ASSERT_TRUE(writeFile(dir_ + "/state", "2\n", kFileMode, std::nullopt).ok());
    EXPECT_EQ(modeOf(dir_ + "/state"), "640");

    auto fd = createFile(dir_ + "/log", O_WRONLY | O_APPEND, kFileMode, std::nullopt);
    ASSERT_TRUE(fd.ok()) << fd.error().message();
    ::close(fd.value());
    EXPECT_EQ(modeOf(dir_ + "/log"), "640");

    ASSERT_TRUE(replaceFile(dir_ + "/users.json", "{}\n", kSecretMode, std::nullopt).ok());
    EXPECT_EQ(modeOf(dir_ + "/users.json"), "600");
    EXPECT_FALSE(fs::exists(dir_ + "/users.json.tmp"));
    ASSERT_TRUE(replaceFile(dir_ + "/bin_start_both", "#!/bin/sh\n", kScriptMode, std::nullopt).ok());
    EXPECT_EQ(modeOf(dir_ + "/bin_start_both"), "750");

    EXPECT_FALSE(replaceFile(dir_ + "/no/such/folder/x", "x", kFileMode, std::nullopt).ok());
}

TEST_F(FileModesTest, TheGroupIsGivenWhereTheModeLetsItReadNotToASecret) {
    auto group = otherGroup();
    if (!group) GTEST_SKIP() << "no second group to give files to";
    ASSERT_TRUE(makeFolders(dir_ + "/log/web", kFolderMode, group).ok());
    ASSERT_TRUE(writeFile(dir_ + "/log/web/module.log", "x", kFileMode, group).ok());
    ASSERT_TRUE(writeFile(dir_ + "/cluster.key", "k", kSecretMode, group).ok());
    EXPECT_EQ(groupOf(dir_ + "/log"), *group);
    EXPECT_EQ(groupOf(dir_ + "/log/web"), *group);
    EXPECT_EQ(groupOf(dir_ + "/log/web/module.log"), *group);
    EXPECT_EQ(groupOf(dir_ + "/cluster.key"), ::getegid());
}

}  // namespace
}  // namespace safefarm::files

#include "module/FileRunningMark.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include "app/AppTestHelpers.h"

namespace safefarm::module {
namespace {

TEST(FileRunningMarkTest, KeepsTheArpAnnounceToRestore) {
    app::testing::TempDir dir;
    FileRunningMark mark(dir / "running");
    EXPECT_FALSE(mark.present());
    EXPECT_EQ(mark.arpAnnounce(), "0");  // no mark: the kernel's default
    mark.set("1");
    EXPECT_TRUE(mark.present());
    EXPECT_EQ(mark.arpAnnounce(), "1");
    struct stat st {};
    ASSERT_EQ(::stat((dir / "running").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0640u);
    mark.clear();
    EXPECT_FALSE(mark.present());
}

TEST(FileRunningMarkTest, AnEmptyMarkReadsAsZero) {
    app::testing::TempDir dir;
    app::testing::writeFile(dir / "running", "");
    FileRunningMark mark(dir / "running");
    EXPECT_TRUE(mark.present());
    EXPECT_EQ(mark.arpAnnounce(), "0");
}

}  // namespace
}  // namespace safefarm::module

#include "safed/BootFlag.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using safefarm::safed::bootFlagPath;
using safefarm::safed::readBootFlag;
using safefarm::safed::startsAtBoot;

namespace {

class BootFlagTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("bootflag-" + std::to_string(::getpid()) + "-" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_ / "boot");
    }
    void TearDown() override { fs::remove_all(dir_); }
    void write(const std::string& module, const std::string& text) { std::ofstream(dir_ / "boot" / module) << text; }
    std::string var() const { return dir_.string(); }
    fs::path dir_;
};

TEST_F(BootFlagTest, PathIsUnderBoot) {
    EXPECT_EQ(bootFlagPath("/var/lib/safefarm", "web"), "/var/lib/safefarm/boot/web");
}

TEST_F(BootFlagTest, NoFlagFollowsTheConfiguration) {
    EXPECT_EQ(readBootFlag(var(), "web"), std::nullopt);
    EXPECT_TRUE(startsAtBoot(var(), "web", true));
    EXPECT_FALSE(startsAtBoot(var(), "web", false));
}

TEST_F(BootFlagTest, NoBootFolderFollowsTheConfiguration) {
    fs::remove_all(dir_ / "boot");
    EXPECT_TRUE(startsAtBoot(var(), "web", true));
    EXPECT_FALSE(startsAtBoot(var(), "web", false));
}

TEST_F(BootFlagTest, OnAndOffOverrideTheConfiguration) {
    write("web", "on\n");
    EXPECT_EQ(readBootFlag(var(), "web"), true);
    EXPECT_TRUE(startsAtBoot(var(), "web", false));
    write("web", "off\n");
    EXPECT_EQ(readBootFlag(var(), "web"), false);
    EXPECT_FALSE(startsAtBoot(var(), "web", true));
}

TEST_F(BootFlagTest, FlagsArePerModule) {
    write("web", "on");
    EXPECT_TRUE(startsAtBoot(var(), "web", false));
    EXPECT_FALSE(startsAtBoot(var(), "other", false));
}

TEST_F(BootFlagTest, DamagedFlagIsIgnored) {
    write("web", "yes please");
    EXPECT_EQ(readBootFlag(var(), "web"), std::nullopt);
    EXPECT_FALSE(startsAtBoot(var(), "web", false));
    write("web", "");
    EXPECT_TRUE(startsAtBoot(var(), "web", true));
}

TEST_F(BootFlagTest, ModuleNamesCannotEscapeTheFolder) {
    std::ofstream(dir_ / "escape") << "on";
    EXPECT_EQ(readBootFlag(var(), "../escape"), std::nullopt);
    EXPECT_EQ(readBootFlag(var(), ".."), std::nullopt);
    EXPECT_EQ(readBootFlag(var(), ""), std::nullopt);
}

}  // namespace

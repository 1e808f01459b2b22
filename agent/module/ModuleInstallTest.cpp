#include "module/ModuleInstall.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "PeakMemory.h"
#include "ZipBuilder.h"

using namespace safefarm;
using namespace safefarm::module;
using namespace safefarm::testing;
namespace fs = std::filesystem;

namespace {

const fs::path kBuild = SAFEFARM_BUILD_DIR;

std::string slurp(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

mode_t modeOf(const fs::path& p) {
    struct stat st {};
    return stat(p.c_str(), &st) == 0 ? st.st_mode & 07777 : 0;
}

// What safed's check does, short of parsing: the configuration is there.
Result<void> hasConfiguration(const std::string& dir) {
    if (fs::exists(dir + "/conf/userconfig.xml")) return success();
    return badInput("no conf/userconfig.xml");
}

// The modules folder of a node, farm installed (as safed does it: staged
// beside, then put in place).
class ModuleInstallTest : public ::testing::Test {
protected:
    void SetUp() override {
        base_ = fs::temp_directory_path() / ("module-install-" + std::to_string(getpid()));
        fs::remove_all(base_);
        fs::create_directories(base_ / "modules");
        modules_ = base_ / "modules";
        ASSERT_EQ(install((kBuild / "modules/farm.safe").string()), "ok");
        before_ = slurp(modules_ / "farm/conf/userconfig.xml");
        ASSERT_NE(before_.find("<safe>"), std::string::npos);
    }
    void TearDown() override { fs::remove_all(base_); }

    std::string staging() const { return (modules_ / ".farm.new1").string(); }
    std::string install(const std::string& file,
                        const std::function<Result<void>(const std::string&)>& check = hasConfiguration) {
        if (auto r = stageModule(file, staging(), check); !r) return r.error().message();
        if (auto r = replaceModule(staging(), (modules_ / "farm").string()); !r) return r.error().message();
        return "ok";
    }
    std::string write(const std::string& name, const std::string& bytes) {
        fs::path p = base_ / name;
        std::ofstream(p, std::ios::binary) << bytes;
        return p.string();
    }
    // The old module is whole and nothing else is in the folder.
    void expectOldModuleAlone() {
        EXPECT_TRUE(slurp(modules_ / "farm/conf/userconfig.xml") == before_) << "the old configuration is there";
        EXPECT_EQ(modeOf(modules_ / "farm/bin/start_both"), 0750u);
        std::vector<std::string> names;
        for (const auto& e : fs::directory_iterator(modules_)) names.push_back(e.path().filename().string());
        EXPECT_EQ(names, std::vector<std::string>{"farm"});
    }

    fs::path base_, modules_;
    std::string before_;
};

}  // namespace

TEST_F(ModuleInstallTest, AModuleInstallsWithExecutableScripts) {
    EXPECT_EQ(modeOf(modules_ / "farm"), 0750u);
    EXPECT_EQ(modeOf(modules_ / "farm/bin/start_both"), 0750u);
    EXPECT_EQ(modeOf(modules_ / "farm/conf/userconfig.xml"), 0640u);
    // Again, over itself (an upgrade).
    EXPECT_EQ(install((kBuild / "modules/farm.safe").string()), "ok");
    expectOldModuleAlone();
}

// Issue 14's bomb under the installed module's name: refused, the module
// as it was, no staging folder, and the install's peak memory small.
TEST_F(ModuleInstallTest, ARefusedBombLeavesThePreviousModuleAndNoStaging) {
    std::string bomb = write("farm.safe", zipOf({deflatedEntry("conf/userconfig.xml", "", 64u << 20)}, {0, 0, 0, 0}));
    auto growth = peakGrowthOf([&] { return install(bomb); });
    ASSERT_TRUE(growth);
    RecordProperty("peak_growth_kib", std::to_string(growth->bytes >> 10));
    EXPECT_NE(growth->answer.find("farm.safe: zip archive: 'conf/userconfig.xml' inflates more than 100:1"),
              std::string::npos)
        << growth->answer;
    EXPECT_LT(growth->bytes, 16u << 20) << "peak memory grew " << (growth->bytes >> 20) << " MiB";
    expectOldModuleAlone();
}

TEST_F(ModuleInstallTest, ARefusedConfigurationOrFileLeavesThePreviousModule) {
    auto refuse = [](const std::string&) -> Result<void> { return badInput("farm.safe refused: no"); };
    EXPECT_EQ(install((kBuild / "modules/farm.safe").string(), refuse), "farm.safe refused: no");
    expectOldModuleAlone();
    std::string huge = write("huge.safe", "");
    fs::resize_file(huge, (64u << 20) + 1);
    EXPECT_NE(install(huge).find("huge.safe: 67108865 bytes, more than 64 MiB"), std::string::npos);
    EXPECT_NE(install((base_ / "missing.safe").string()).find("cannot read"), std::string::npos);
    expectOldModuleAlone();
}

// The second rename failing (the staging folder gone) puts the old module back.
TEST_F(ModuleInstallTest, AFailedReplaceKeepsTheOldModule) {
    EXPECT_FALSE(replaceModule(staging(), (modules_ / "farm").string()));
    expectOldModuleAlone();
}

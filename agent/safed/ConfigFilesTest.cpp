#include "safed/ConfigFiles.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "ScopedUmask.h"

namespace safefarm::safed {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

class ConfigFilesTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/safefarm-conf-XXXXXX";
        dir_ = ::mkdtemp(tmpl);
        fs::create_directories(dir_ / "conf");
        fs::create_directories(dir_ / "bin");
        std::ofstream(dir_ / "conf" / "userconfig.xml") << "<safe>old</safe>";
        std::ofstream(dir_ / "bin" / "start_both") << "#!/bin/sh\necho old\n";
        std::ofstream(dir_ / "bin" / "huge") << std::string(2000, 'x');
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path dir_;
};

TEST_F(ConfigFilesTest, ReadsConfAndBinButNotFilesOverTheLimit) {
    auto files = readModuleFiles(dir_.string(), 1000);
    EXPECT_EQ(files.size(), 2u);
    EXPECT_EQ(files["conf/userconfig.xml"], "<safe>old</safe>");
    EXPECT_EQ(files["bin/start_both"], "#!/bin/sh\necho old\n");
}

TEST_F(ConfigFilesTest, RefusesNamesOutsideConfAndBinAndScriptsWithoutAnInterpreter) {
    for (const char* bad :
         {"userconfig.xml", "etc/passwd", "conf/../x", "conf/.hidden", "conf/", "conf/a/b", "bin/a b"})
        EXPECT_FALSE(checkDeployFiles({{bad, "#!/bin/sh"}}).ok()) << bad;
    auto noShebang = checkDeployFiles({{"bin/stop_both", "echo hi"}});
    ASSERT_FALSE(noShebang.ok());
    EXPECT_NE(noShebang.error().message().find("#!"), std::string::npos);
    EXPECT_FALSE(checkDeployFiles({}).ok());
    EXPECT_TRUE(checkDeployFiles({{"conf/userconfig.xml", "<safe/>"}, {"bin/x", "#!/bin/sh"}}).ok());
}

TEST_F(ConfigFilesTest, WritesEveryFileKeepsThePreviousAndMakesScriptsExecutable) {
    test::ScopedUmask umask(0);  // issue 14: root:safefarm only, whatever the umask
    auto w = writeModuleFiles(dir_.string(), {{"conf/userconfig.xml", "<safe>new</safe>"},
                                              {"bin/start_both", "#!/bin/sh\necho new\n"},
                                              {"bin/check_db", "#!/bin/sh\nexit 0\n"}});
    ASSERT_TRUE(w.ok()) << w.error().message();
    EXPECT_EQ(w.value().size(), 3u);
    EXPECT_EQ(slurp(dir_ / "conf" / "userconfig.xml"), "<safe>new</safe>");
    EXPECT_EQ(slurp(dir_ / ".previous" / "conf" / "userconfig.xml"), "<safe>old</safe>");
    EXPECT_EQ(slurp(dir_ / ".previous" / "bin" / "start_both"), "#!/bin/sh\necho old\n");
    EXPECT_FALSE(fs::exists(dir_ / ".previous" / "bin" / "check_db"));
    using test::modeOf;
    EXPECT_EQ(modeOf(dir_ / "bin" / "check_db"), "750");
    EXPECT_EQ(modeOf(dir_ / "bin" / "start_both"), "750");
    EXPECT_EQ(modeOf(dir_ / "conf" / "userconfig.xml"), "640");
    EXPECT_EQ(modeOf(dir_ / ".previous"), "750");
    EXPECT_EQ(modeOf(dir_ / ".previous" / "conf"), "750");
    EXPECT_EQ(modeOf(dir_ / ".previous" / "conf" / "userconfig.xml"), "640");
    EXPECT_EQ(modeOf(dir_ / ".previous" / "bin" / "start_both"), "750");
    for (const auto& e : fs::recursive_directory_iterator(dir_))
        EXPECT_EQ(e.path().filename().string().find(".deploy."), std::string::npos) << e.path();
}

TEST_F(ConfigFilesTest, AFileThatCannotBeWrittenChangesNothing) {
    // bin/ is a file: nothing can be created in it.
    fs::remove_all(dir_ / "bin");
    std::ofstream(dir_ / "bin") << "not a folder";
    auto w = writeModuleFiles(dir_.string(),
                              {{"conf/userconfig.xml", "<safe>new</safe>"}, {"bin/start_both", "#!/bin/sh\n"}});
    ASSERT_FALSE(w.ok());
    EXPECT_EQ(slurp(dir_ / "conf" / "userconfig.xml"), "<safe>old</safe>");
    EXPECT_FALSE(fs::exists(dir_ / "conf" / ".deploy.userconfig.xml"));
    EXPECT_FALSE(fs::exists(dir_ / ".previous"));
}

}  // namespace
}  // namespace safefarm::safed

#include "http/StaticFiles.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "TempDir.h"

namespace safefarm::http {
namespace {

namespace fs = std::filesystem;

class StaticFilesTest : public ::testing::Test {
protected:
    void SetUp() override {
        fs::create_directories(dir_ / "web" / "js");
        write(dir_ / "web" / "index.html", "<html>console</html>");
        write(dir_ / "web" / "js" / "app.js", "console.log(1)");
        write(dir_ / "web" / "site.CSS", "body{}");
        write(dir_ / "web" / "blob.bin", "x");
        write(dir_ / "secret.txt", "secret");
        fs::create_symlink(dir_ / "secret.txt", dir_ / "web" / "leak.txt");
        files_.emplace((dir_ / "web").string());
    }
    static void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

    safefarm::test::TempDir tmp_{"safefarm-web"};
    const fs::path dir_ = tmp_.path();
    std::optional<StaticFiles> files_;
};

TEST_F(StaticFilesTest, ServesFilesWithTheirContentType) {
    auto index = files_->lookup("/");
    ASSERT_EQ(index.status, StaticStatus::Found);
    EXPECT_EQ(index.file.body, "<html>console</html>");
    EXPECT_EQ(index.file.contentType, "text/html; charset=utf-8");
    auto js = files_->lookup("/js/app.js");
    ASSERT_EQ(js.status, StaticStatus::Found);
    EXPECT_EQ(js.file.contentType, "text/javascript; charset=utf-8");
    EXPECT_EQ(files_->lookup("/site.CSS").file.contentType, "text/css; charset=utf-8");
    EXPECT_EQ(files_->lookup("/blob.bin").file.contentType, "application/octet-stream");
    EXPECT_EQ(files_->lookup("/js/app%2Ejs").status, StaticStatus::Found);
    EXPECT_EQ(files_->lookup("/js/").status, StaticStatus::NotFound);  // no index.html there
    EXPECT_EQ(files_->lookup("/nope.html").status, StaticStatus::NotFound);
}

TEST_F(StaticFilesTest, TraversalIsRefused) {
    for (const char* p : {"/../secret.txt", "/js/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt",
                          "/js/%2e%2e/%2e%2e/secret.txt", "/..%2fsecret.txt", "/..%5csecret.txt", "/js\\..\\x",
                          "//etc/passwd", "/./index.html", "/a%00b", "/%zz", "/%2", "relative"})
        EXPECT_EQ(files_->lookup(p).status, StaticStatus::Refused) << p;
}

TEST_F(StaticFilesTest, SymlinkOutOfTheRootIsRefused) {
    EXPECT_EQ(files_->lookup("/leak.txt").status, StaticStatus::Refused);
}

TEST(StaticFiles, NoRootServesNothing) {
    StaticFiles none("");
    EXPECT_EQ(none.lookup("/index.html").status, StaticStatus::NotFound);
    StaticFiles missing("/nonexistent/web");
    EXPECT_EQ(missing.lookup("/index.html").status, StaticStatus::NotFound);
}

TEST(PercentDecode, Basics) {
    std::string out;
    EXPECT_TRUE(percentDecode("a%20b%2F", out));
    EXPECT_EQ(out, "a b/");
    EXPECT_FALSE(percentDecode("%00", out));
    EXPECT_FALSE(percentDecode("%4", out));
    EXPECT_FALSE(percentDecode("%g0", out));
}

}  // namespace
}  // namespace safefarm::http

#include "control/ModuleLog.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>

#include "RepoPath.h"
#include "ScopedUmask.h"
#include "TempDir.h"

namespace safefarm::control {
namespace {

namespace fs = std::filesystem;
using test::kRepo;

class ModuleLogTest : public ::testing::Test {
protected:
    std::unique_ptr<ModuleLog> open(size_t maxBytes = 1 << 20, size_t maxFiles = 3) {
        auto log = ModuleLog::open({dir_, "apache_farm", maxBytes, maxFiles, /*journal=*/false});
        EXPECT_TRUE(log.ok()) << log.error().message();
        return log ? std::move(log).value() : nullptr;
    }

    test::TempDir tmp_{"sflog"};
    const std::string dir_ = tmp_.str();
};

TEST_F(ModuleLogTest, LineFormat) {
    auto log = open();
    log->info(MessageId::SF_MODULE_STATE, "apache_farm: WAIT -> UP (view 7@1, 2731 buckets)");
    log->warn(MessageId::SF_USER_WARN, "apache_farm: disk almost full");
    log->log(levelFromLetter('E'), MessageId::SF_CHECK_FAILED, "apache_farm: tcp 10.0.0.1:80 refused");
    EXPECT_EQ(log->path(), dir_ + "/apache_farm/module.log");
    auto lines = log->tail(10);
    ASSERT_EQ(lines.size(), 3u);
    std::regex line(
        R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} I SF_MODULE_STATE apache_farm: WAIT -> UP \(view 7@1, 2731 buckets\))");
    EXPECT_TRUE(std::regex_match(lines[0], line)) << lines[0];
    EXPECT_NE(lines[1].find(" W SF_USER_WARN apache_farm: disk almost full"), std::string::npos) << lines[1];
    EXPECT_NE(lines[2].find(" E SF_CHECK_FAILED "), std::string::npos) << lines[2];
}

// An operator's text (`print`) with a newline made a line of its own: a
// forged "SF_COMMAND ... asked by admin". One entry is one line.
TEST_F(ModuleLogTest, ALineCannotBeForged) {
    auto log = open();
    log->info(MessageId::SF_USER_INFO,
              "apache_farm: hi\n2026-12-03 08:00:00.000 I SF_COMMAND apache_farm: stop asked by admin");
    auto lines = log->tail(10);
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_NE(lines[0].find("hi\\n2026-12-03"), std::string::npos) << lines[0];
}

TEST_F(ModuleLogTest, BadModuleNameRefused) {
    EXPECT_FALSE(ModuleLog::open({dir_, "../etc", 1024, 1, false}).ok());
    EXPECT_FALSE(ModuleLog::open({dir_, "", 1024, 1, false}).ok());
}

TEST_F(ModuleLogTest, RotationCapsTheSize) {
    const size_t cap = 4096, files = 2;
    auto log = open(cap, files);
    for (int i = 0; i < 500; i++) log->info(MessageId::SF_DRAIN, "apache_farm: line " + std::to_string(i));
    size_t count = 0;
    for (const auto& e : fs::directory_iterator(dir_ + "/apache_farm")) {
        count++;
        EXPECT_LE(fs::file_size(e.path()), cap) << e.path();
    }
    EXPECT_EQ(count, files + 1);  // module.log, module.1.log, module.2.log
    // tail reaches into module.1.log when module.log alone is too short.
    auto lines = log->tail(100);
    ASSERT_EQ(lines.size(), 100u);
    EXPECT_NE(lines.back().find("apache_farm: line 499"), std::string::npos);
    EXPECT_NE(lines.front().find("apache_farm: line 400"), std::string::npos);
    // And on into module.2.log: every line the files still hold, in order.
    std::size_t held = 0;
    for (const auto& e : fs::directory_iterator(dir_ + "/apache_farm")) {
        std::ifstream in(e.path());
        held += static_cast<std::size_t>(std::count(std::istreambuf_iterator<char>(in), {}, '\n'));
    }
    auto all = log->tail(1000);
    EXPECT_EQ(all.size(), held);
    EXPECT_NE(all.back().find("apache_farm: line 499"), std::string::npos);
}

// Issue 14: the logs are root:safefarm only, whatever the umask, also the
// files opened at a rotation and a folder an older safed made 0755.
TEST_F(ModuleLogTest, FolderAndFilesAreNotWorldReadable) {
    test::ScopedUmask umask(0);
    fs::create_directories(dir_ + "/web");
    fs::permissions(dir_ + "/web", fs::perms(0755));
    auto log = ModuleLog::open({dir_ + "/log", "apache_farm", 4096, 2, /*journal=*/false});
    ASSERT_TRUE(log.ok()) << log.error().message();
    for (int i = 0; i < 200; i++) log.value()->info(MessageId::SF_DRAIN, "apache_farm: line " + std::to_string(i));
    EXPECT_EQ(test::modeOf(dir_ + "/log"), "750");
    EXPECT_EQ(test::modeOf(dir_ + "/log/apache_farm"), "750");
    EXPECT_EQ(test::modeOf(dir_ + "/log/apache_farm/module.log"), "640");
    EXPECT_EQ(test::modeOf(dir_ + "/log/apache_farm/module.1.log"), "640");
    EXPECT_EQ(test::modeOf(dir_ + "/log/apache_farm/module.2.log"), "640");
    ASSERT_TRUE(ModuleLog::open({dir_, "web", 4096, 2, /*journal=*/false}).ok());
    EXPECT_EQ(test::modeOf(dir_ + "/web"), "750");
}

TEST(ModuleLogIds, NamesRoundTrip) {
    for (const auto& row : messageTable()) {
        EXPECT_EQ(messageName(row.id), row.name);
        EXPECT_EQ(messageIdFromName(row.name), row.id);
    }
    EXPECT_FALSE(messageIdFromName("SF_NOPE").has_value());
    EXPECT_EQ(userMessageId(levelFromLetter('W')), MessageId::SF_USER_WARN);
    EXPECT_EQ(userMessageId(levelFromLetter('E')), MessageId::SF_USER_ERROR);
    EXPECT_EQ(userMessageId(levelFromLetter('I')), MessageId::SF_USER_INFO);
}

// docs/messages.md has one table row per id: | `SF_ID` | meaning |, in the
// enum's order, with the same meaning. Neither can change without the other.
TEST(ModuleLogIds, MatchDocsMessagesMd) {
    std::ifstream in(kRepo / "docs" / "messages.md");
    ASSERT_TRUE(in) << "docs/messages.md missing";
    std::regex row(R"(^\|\s*`(SF_[A-Z_]+)`\s*\|\s*(.*?)\s*\|\s*$)");
    std::vector<std::pair<std::string, std::string>> documented;
    for (std::string line; std::getline(in, line);) {
        std::smatch m;
        if (std::regex_match(line, m, row)) documented.emplace_back(m[1], m[2]);
    }
    auto table = messageTable();
    ASSERT_EQ(documented.size(), table.size()) << "ids in docs/messages.md and MessageIds.h differ";
    for (size_t i = 0; i < table.size(); i++) {
        EXPECT_EQ(documented[i].first, table[i].name) << "row " << i;
        EXPECT_EQ(documented[i].second, table[i].meaning) << table[i].name;
    }
}

}  // namespace
}  // namespace safefarm::control

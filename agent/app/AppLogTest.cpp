#include "app/AppLog.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include "app/AppTestHelpers.h"

namespace safefarm::app {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

size_t countOf(const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) n++;
    return n;
}

TEST(AppLog, WritesTimestampedLinesAndAppends) {
    TempDir dir;
    boost::asio::io_context io;
    {
        auto log = AppLog::open(io, dir / "userlog", 0);
        ASSERT_TRUE(log.ok());
        log.value()->write("first");
    }
    auto log = AppLog::open(io, dir / "userlog", 0);
    ASSERT_TRUE(log.ok());
    EXPECT_GT(log.value()->size(), 0u);  // the existing file's size counts against the cap
    log.value()->write("second");
    std::string text = testing::readFile(dir / "userlog");
    ASSERT_EQ(countOf(text, "\n"), 2u) << text;
    EXPECT_EQ(text.substr(24, 6), "first\n");
    EXPECT_NE(text.find(" second\n"), std::string::npos);
    EXPECT_EQ(log.value()->size(), text.size());
}

TEST(AppLog, RotatesToDotOneWhenTheCapIsPassed) {
    TempDir dir;
    boost::asio::io_context io;
    auto log = AppLog::open(io, dir / "userlog", 300);
    ASSERT_TRUE(log.ok());
    for (int i = 0; i < 40; i++) log.value()->write("line " + std::to_string(i) + " xxxxxxxxxxxxxxxxxxxx");
    std::string current = testing::readFile(dir / "userlog");
    std::string previous = testing::readFile(dir / "userlog.1");
    EXPECT_LE(current.size(), 300u);
    EXPECT_LE(previous.size(), 300u);
    EXPECT_GT(previous.size(), 200u);
    EXPECT_NE(current.find("line 39 "), std::string::npos);
    // Lines stay whole and in order across the rotation; older ones are dropped.
    EXPECT_EQ(current.back(), '\n');
    EXPECT_EQ(previous.back(), '\n');
    EXPECT_EQ(countOf(current + previous, "line 0 "), 0u);
    EXPECT_FALSE(log.value()->lastError().has_value());
}

TEST(AppLog, FollowsAPipeUntilEof) {
    TempDir dir;
    boost::asio::io_context io;
    auto log = AppLog::open(io, dir / "userlog", 0);
    ASSERT_TRUE(log.ok());
    int p[2];
    ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
    log.value()->follow(p[0], "tag");
    std::string chunk = "one\r\ntw";
    ASSERT_EQ(::write(p[1], chunk.data(), chunk.size()), static_cast<ssize_t>(chunk.size()));
    testing::runFor(io, 20ms);
    EXPECT_NE(testing::readFile(dir / "userlog").find(" tag: one\n"), std::string::npos);
    chunk = "o\nthree";
    ASSERT_EQ(::write(p[1], chunk.data(), chunk.size()), static_cast<ssize_t>(chunk.size()));
    ::close(p[1]);
    EXPECT_TRUE(testing::runUntil(io, [&] { return log.value()->following() == 0; }));
    std::string text = testing::readFile(dir / "userlog");
    EXPECT_NE(text.find(" tag: two\n"), std::string::npos) << text;
    EXPECT_NE(text.find(" tag: three\n"), std::string::npos) << text;
}

TEST(AppLog, DrainReadsWhatIsBufferedNow) {
    TempDir dir;
    boost::asio::io_context io;
    auto log = AppLog::open(io, dir / "userlog", 0);
    ASSERT_TRUE(log.ok());
    int p[2];
    ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
    auto id = log.value()->follow(p[0], "");
    std::string partial(4096, 'x');
    ASSERT_EQ(::write(p[1], partial.data(), partial.size()), 4096);
    log.value()->drain(id);                             // no io_context turn
    EXPECT_EQ(testing::readFile(dir / "userlog"), "");  // no line ended yet
    ::close(p[1]);
    log.value()->drain(id);
    EXPECT_EQ(log.value()->following(), 0u);
    EXPECT_EQ(countOf(testing::readFile(dir / "userlog"), "\n"), 1u);
}

}  // namespace
}  // namespace safefarm::app

// What a line is for every reader of a log's tail (Tail.h): whole lines in
// file order, a last line without its newline, a filter, blocks, rotated
// files, a follower's offset and the byte limit.
#include "control/Tail.h"

#include <gtest/gtest.h>

#include <fstream>

#include "TempDir.h"

namespace safefarm::control {
namespace {

using Lines = std::vector<std::string>;

class TailTest : public ::testing::Test {
protected:
    std::string write(const std::string& name, const std::string& text) {
        std::ofstream(dir_ / name, std::ios::binary) << text;
        return dir_ / name;
    }
    Lines lines(const std::string& path, std::size_t n, const TailOptions& options = {}) {
        auto t = lastLines(path, n, options);
        EXPECT_TRUE(t.ok()) << t.error().message();
        return t ? t.value().lines : Lines{};
    }

    test::TempDir dir_{"safefarm-tail"};
};

TEST_F(TailTest, TheLastLinesInFileOrder) {
    auto p = write("a.log", "a\nb\nc\nd\n");
    EXPECT_EQ(lines(p, 2), (Lines{"c", "d"}));
    EXPECT_EQ(lines(p, 10), (Lines{"a", "b", "c", "d"}));
    EXPECT_TRUE(lines(p, 0).empty());
    EXPECT_EQ(lastLines(p, 2).value().end, 8u);
}

TEST_F(TailTest, EmptyLinesAreLinesButTheLastNewlineEndsOne) {
    EXPECT_EQ(lines(write("a.log", "\na\n\n"), 10), (Lines{"", "a", ""}));
    EXPECT_TRUE(lines(write("empty.log", ""), 10).empty());
    EXPECT_EQ(lines(write("nl.log", "\n"), 10), (Lines{""}));
}

TEST_F(TailTest, ALastLineWithoutItsNewlineIsALine) {
    auto p = write("a.log", "I one\nW two\nI three\nW four");
    EXPECT_EQ(lines(p, 1), (Lines{"W four"}));
    EXPECT_EQ(lines(p, 3), (Lines{"W two", "I three", "W four"}));
    EXPECT_EQ(lines(write("one.log", "only"), 5), (Lines{"only"}));
}

// `safectl logs -f` printed the half-written line, then its rest on a line
// of its own: a follower now gets the whole lines and starts at the half one.
TEST_F(TailTest, AFollowerLeavesTheHalfWrittenLastLineToTheFollowing) {
    TailOptions follow;
    follow.completeLinesOnly = true;
    auto p = write("a.log", "one\ntwo\nthr");
    auto t = lastLines(p, 5, follow).value();
    EXPECT_EQ(t.lines, (Lines{"one", "two"}));
    EXPECT_EQ(t.end, 8u);  // "thr" starts there
    EXPECT_EQ(lastLines(p, 0, follow).value().end, 8u);
    auto whole = lastLines(write("b.log", "one\ntwo\n"), 5, follow).value();
    EXPECT_EQ(whole.lines, (Lines{"one", "two"}));
    EXPECT_EQ(whole.end, 8u);
    auto none = lastLines(write("c.log", "half"), 5, follow).value();
    EXPECT_TRUE(none.lines.empty());
    EXPECT_EQ(none.end, 0u);
}

TEST_F(TailTest, OnlyTheLinesThatContainTheFilter) {
    auto p = write("a.log", "I one\nW two\nI three\nW four");
    TailOptions warnings;
    warnings.grep = "W ";
    EXPECT_EQ(lines(p, 5, warnings), (Lines{"W two", "W four"}));
    EXPECT_EQ(lines(p, 1, warnings), (Lines{"W four"}));
    warnings.grep = "nowhere";
    EXPECT_TRUE(lines(p, 5, warnings).empty());
}

// Lines across the 64 KiB blocks it reads from the end.
TEST_F(TailTest, LinesAcrossBlocks) {
    std::string text;
    for (int i = 0; i < 20000; i++) text += "line " + std::to_string(i) + " " + std::string(i % 7, 'x') + "\n";
    auto got = lines(write("big.log", text + "no newline at the end"), 15000);
    ASSERT_EQ(got.size(), 15000u);
    EXPECT_EQ(got.front(), "line 5001 " + std::string(5001 % 7, 'x'));
    EXPECT_EQ(got[got.size() - 2], "line 19999 " + std::string(19999 % 7, 'x'));
    EXPECT_EQ(got.back(), "no newline at the end");
    for (size_t i = 0; i + 1 < got.size(); i++) ASSERT_EQ(got[i].rfind("line ", 0), 0u) << i;
}

TEST_F(TailTest, AMissingFileIsENOENTAMissingRotationIsSkipped) {
    auto r = lastLines(dir_ / "none.log", 5);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ENOENT);
    TailOptions rotated;
    rotated.older = {dir_ / "none.1.log"};
    EXPECT_EQ(lines(write("a.log", "a\n"), 5, rotated), (Lines{"a"}));
}

TEST_F(TailTest, RotatedFilesAreReadOnNewestFirst) {
    TailOptions rotated;
    rotated.older = {write("m.1.log", "c\nd\n"), dir_ / "m.2.log", write("m.3.log", "a\nb")};
    auto p = write("m.log", "e\nf\n");
    EXPECT_EQ(lines(p, 3, rotated), (Lines{"d", "e", "f"}));
    // A rotated file's last line without a newline is whole: nothing more comes to it.
    EXPECT_EQ(lines(p, 10, rotated), (Lines{"a", "b", "c", "d", "e", "f"}));
    rotated.grep = "b";
    EXPECT_EQ(lines(p, 10, rotated), (Lines{"b"}));
}

// A log of one endless line, or a filter that matches nothing in a huge
// one: at most maxBytes are read, and a line they cut is not given.
TEST_F(TailTest, AtMostMaxBytesAreRead) {
    auto p = write("a.log", std::string(1000, 'x') + "\nshort\nlast\n");
    TailOptions small;
    small.maxBytes = 20;
    EXPECT_EQ(lines(p, 10, small), (Lines{"short", "last"}));
    small.maxBytes = 10;
    EXPECT_EQ(lines(p, 10, small), (Lines{"last"}));
    TailOptions rotated;
    rotated.maxBytes = 6;
    rotated.older = {write("a.1.log", "old\n")};
    EXPECT_EQ(lines(write("b.log", "new\n"), 10, rotated), (Lines{"new"}));  // 4 bytes, then 2 of "old\n"
}

}  // namespace
}  // namespace safefarm::control

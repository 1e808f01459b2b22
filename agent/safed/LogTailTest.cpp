#include "safed/LogTail.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <unistd.h>

using safefarm::safed::lastLines;

namespace {

std::string writeTemp(const std::string& text) {
    std::string path = "/tmp/safefarm-logtail-" + std::to_string(getpid()) + "-" + std::to_string(text.size());
    std::ofstream(path, std::ios::binary) << text;
    return path;
}

}  // namespace

TEST(LogTail, LastLinesInFileOrder) {
    auto p = writeTemp("a\nb\nc\nd\n");
    EXPECT_EQ(lastLines(p, 2).value(), (std::vector<std::string>{"c", "d"}));
    EXPECT_EQ(lastLines(p, 10).value(), (std::vector<std::string>{"a", "b", "c", "d"}));
    EXPECT_TRUE(lastLines(p, 0).value().empty());
    std::remove(p.c_str());
}

TEST(LogTail, ALastLineWithoutNewlineAndAFilter) {
    auto p = writeTemp("I one\nW two\nI three\nW four");
    EXPECT_EQ(lastLines(p, 1).value(), (std::vector<std::string>{"W four"}));
    EXPECT_EQ(lastLines(p, 5, "W ").value(), (std::vector<std::string>{"W two", "W four"}));
    std::remove(p.c_str());
}

// Lines across the 64 KiB blocks it reads from the end.
TEST(LogTail, LinesAcrossBlocks) {
    std::string text;
    for (int i = 0; i < 20000; i++) text += "line " + std::to_string(i) + " " + std::string(i % 7, 'x') + "\n";
    auto p = writeTemp(text);
    auto got = lastLines(p, 15000).value();
    ASSERT_EQ(got.size(), 15000u);
    EXPECT_EQ(got.front(), "line 5000 " + std::string(5000 % 7, 'x'));
    EXPECT_EQ(got.back(), "line 19999 " + std::string(19999 % 7, 'x'));
    for (size_t i = 1; i < got.size(); i++) ASSERT_EQ(got[i].rfind("line ", 0), 0u) << i;
    std::remove(p.c_str());
}

TEST(LogTail, AMissingFileHasNoLines) {
    auto r = lastLines("/tmp/safefarm-logtail-nowhere", 5);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->empty());
}

#include <gtest/gtest.h>

#include "http/ZipArchive.h"

namespace safefarm::http::test {
namespace {

TEST(ZipArchive, WhatIsWrittenReadsBackInOrder) {
    std::vector<std::pair<std::string, std::string>> files = {
        {"snap/n1/status.json", "{\"state\": \"UP\"}\n"},
        {"snap/n1/logs/module.log", std::string(100000, 'a') + "end\n"},
        {"snap/n2/ERROR.txt", ""},
        {"snap/n2/\xc3\xa9t\xc3\xa9.txt", "utf-8 name"},
    };
    auto z = makeZip(files);
    ASSERT_TRUE(z.ok()) << z.error().message();
    EXPECT_TRUE(z.value().starts_with("PK\x03\x04"));
    EXPECT_LT(z.value().size(), 5000u) << "deflated";
    auto back = readZip(z.value());
    ASSERT_TRUE(back.ok()) << back.error().message();
    EXPECT_EQ(back.value(), files);
}

TEST(ZipArchive, AnEmptyArchiveAndGarbage) {
    auto z = makeZip({});
    ASSERT_TRUE(z.ok()) << z.error().message();
    auto back = readZip(z.value());
    ASSERT_TRUE(back.ok()) << back.error().message();
    EXPECT_TRUE(back.value().empty());
    EXPECT_FALSE(readZip("not a zip at all").ok());
}

}  // namespace
}  // namespace safefarm::http::test

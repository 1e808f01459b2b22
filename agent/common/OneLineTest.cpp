#include "common/OneLine.h"

#include <gtest/gtest.h>

namespace safefarm {
namespace {

TEST(OneLine, ControlCharactersAreEscapedSoNoLineCanBeForged) {
    EXPECT_EQ(oneLine("web: hello"), "web: hello");
    EXPECT_EQ(oneLine("x\n2026-12-03 08:00:00.000 I SF_COMMAND web: stop asked by admin"),
              "x\\n2026-12-03 08:00:00.000 I SF_COMMAND web: stop asked by admin");
    EXPECT_EQ(oneLine("a\rb\tc\x1b[2Jd\x7f"), "a\\rb\\tc\\x1b[2Jd\\x7f");
    EXPECT_EQ(oneLine("a\\nb"), "a\\\\nb");            // an escape sent as text stays text
    EXPECT_EQ(oneLine("caf\xc3\xa9"), "caf\xc3\xa9");  // UTF-8 is not a control character
}

}  // namespace
}  // namespace safefarm

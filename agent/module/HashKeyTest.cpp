#include "module/HashKey.h"

#include <gtest/gtest.h>

#include <vector>

namespace safefarm::module {

TEST(ModuleHashKey, SameKeySameModuleSameHashKey) {
    std::vector<uint8_t> key(32, 7);
    auto a = bucketHashKey(key, "apache_farm");
    auto b = bucketHashKey(key, "apache_farm");
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a.value(), b.value());
}

TEST(ModuleHashKey, ModuleAndKeyChangeIt) {
    std::vector<uint8_t> key(32, 7), other(32, 8);
    auto a = bucketHashKey(key, "apache_farm");
    auto b = bucketHashKey(key, "farm");
    auto c = bucketHashKey(other, "apache_farm");
    ASSERT_TRUE(a.ok() && b.ok() && c.ok());
    EXPECT_NE(a.value(), b.value());
    EXPECT_NE(a.value(), c.value());
}

TEST(ModuleHashKey, ShortKeyRefused) {
    std::vector<uint8_t> key(8, 1);
    EXPECT_FALSE(bucketHashKey(key, "m").ok());
}

}  // namespace safefarm::module

#include "safed/BucketMap.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

using safefarm::safed::bucketMap;

namespace {

std::vector<unsigned char> unbase64(const std::string& text) {
    std::vector<unsigned char> out(text.size() / 4 * 3);
    int n =
        EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
    // EVP_DecodeBlock counts the padding as bytes: drop one per '='.
    size_t pad = text.size() - text.find_last_not_of('=') - 1;
    out.resize(static_cast<size_t>(n) - pad);
    return out;
}

}  // namespace

TEST(BucketMap, OneBytePerBucketWithThePreviousOwnersOfMovingOnes) {
    std::vector<farm_bucket> table(FARM_BUCKETS, farm_bucket{1, FARM_NODE_NONE, 0, 0});
    table[7] = farm_bucket{2, 1, FARM_BUCKET_TRANSITION, 0};
    table[FARM_BUCKETS - 1] = farm_bucket{3, FARM_NODE_NONE, 0, 0};
    auto m = bucketMap(table);
    EXPECT_EQ(m["buckets"], FARM_BUCKETS);
    EXPECT_EQ(m["moving"], 1u);
    auto owners = unbase64(m["owners"]);
    auto previous = unbase64(m["previous"]);
    ASSERT_EQ(owners.size(), FARM_BUCKETS);
    EXPECT_EQ(owners[0], 1);
    EXPECT_EQ(owners[7], 2);
    EXPECT_EQ(owners[FARM_BUCKETS - 1], 3);
    EXPECT_EQ(previous[7], 1);
    EXPECT_EQ(previous[8], FARM_NODE_NONE);
}

#include "common/Hmac.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>

namespace safefarm {
namespace {

Hmac::Tag reference(const std::vector<uint8_t>& key, const std::string& data) {
    Hmac::Tag t{};
    unsigned len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const uint8_t*>(data.data()),
         data.size(), t.data(), &len);
    return t;
}

std::span<const uint8_t> bytes(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

TEST(HmacTest, MatchesOpenSslHmacForShortBlockAndLongKeys) {
    for (size_t keyLen : {16u, 20u, 64u, 131u}) {
        std::vector<uint8_t> key(keyLen);
        for (size_t i = 0; i < keyLen; i++) key[i] = static_cast<uint8_t>(i * 7 + 1);
        auto mac = Hmac::create(key);
        ASSERT_TRUE(mac.ok());
        for (std::string data : {std::string(), std::string("Hi There"), std::string(1000, 'x')}) {
            EXPECT_EQ(mac->sign(bytes(data)), reference(key, data)) << keyLen;
            auto tag = reference(key, data);
            EXPECT_TRUE(mac->verify(bytes(data), tag));
            tag[5] ^= 1;
            EXPECT_FALSE(mac->verify(bytes(data), tag));
        }
    }
}

TEST(HmacTest, Rfc4231Case1) {
    std::vector<uint8_t> key(20, 0x0b);
    auto mac = Hmac::create(key);
    ASSERT_TRUE(mac.ok());
    auto t = mac->sign(bytes("Hi There"));
    const uint8_t expect[4] = {0xb0, 0x34, 0x4c, 0x61};  // b0344c61d8db3853...
    EXPECT_TRUE(std::equal(expect, expect + 4, t.begin()));
}

TEST(HmacTest, RefusesShortKeys) { EXPECT_FALSE(Hmac::create(std::vector<uint8_t>(15, 1)).ok()); }

}  // namespace
}  // namespace safefarm

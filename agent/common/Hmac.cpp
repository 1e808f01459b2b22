#include "common/Hmac.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace safefarm {
namespace {
constexpr size_t kBlock = 64;  // SHA-256 block size
}

void Hmac::CtxFree::operator()(evp_md_ctx_st* c) const { EVP_MD_CTX_free(c); }

Hmac::Hmac(Ctx inner, Ctx outer, Ctx scratch)
    : inner_(std::move(inner)), outer_(std::move(outer)), scratch_(std::move(scratch)) {}

Hmac::~Hmac() = default;

Result<Hmac> Hmac::create(std::span<const uint8_t> key) {
    if (key.size() < 16) return badInput("cluster key: " + std::to_string(key.size()) + " bytes, at least 16 needed");
    std::array<uint8_t, kBlock> k{};
    if (key.size() > kBlock) {
        unsigned len = 0;
        if (!EVP_Digest(key.data(), key.size(), k.data(), &len, EVP_sha256(), nullptr))
            return badInput("cluster key: SHA-256 failed");
    } else {
        std::copy(key.begin(), key.end(), k.begin());
    }
    std::array<uint8_t, kBlock> ipad{}, opad{};
    for (size_t i = 0; i < kBlock; i++) {
        ipad[i] = k[i] ^ 0x36;
        opad[i] = k[i] ^ 0x5c;
    }
    Ctx inner(EVP_MD_CTX_new()), outer(EVP_MD_CTX_new()), scratch(EVP_MD_CTX_new());
    if (!inner || !outer || !scratch) return badInput("HMAC: out of memory");
    if (!EVP_DigestInit_ex(inner.get(), EVP_sha256(), nullptr) || !EVP_DigestUpdate(inner.get(), ipad.data(), kBlock) ||
        !EVP_DigestInit_ex(outer.get(), EVP_sha256(), nullptr) || !EVP_DigestUpdate(outer.get(), opad.data(), kBlock))
        return badInput("HMAC: SHA-256 initialisation failed");
    OPENSSL_cleanse(k.data(), k.size());
    OPENSSL_cleanse(ipad.data(), ipad.size());
    OPENSSL_cleanse(opad.data(), opad.size());
    return Hmac(std::move(inner), std::move(outer), std::move(scratch));
}

Hmac::Tag Hmac::sign(std::span<const uint8_t> data) const {
    Tag inner{}, out{};
    unsigned len = 0;
    EVP_MD_CTX* c = scratch_.get();
    EVP_MD_CTX_copy_ex(c, inner_.get());
    EVP_DigestUpdate(c, data.data(), data.size());
    EVP_DigestFinal_ex(c, inner.data(), &len);
    EVP_MD_CTX_copy_ex(c, outer_.get());
    EVP_DigestUpdate(c, inner.data(), inner.size());
    EVP_DigestFinal_ex(c, out.data(), &len);
    return out;
}

bool Hmac::verify(std::span<const uint8_t> data, std::span<const uint8_t> tag) const {
    if (tag.size() != kTagSize) return false;
    Tag t = sign(data);
    return CRYPTO_memcmp(t.data(), tag.data(), kTagSize) == 0;
}

}  // namespace safefarm
